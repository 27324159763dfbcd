using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orchestrator.Coordinator.Security;

/// <summary>
/// Which certificates a node accepts from its peers on Akka remoting (docs/security.md): one that chains to a
/// certificate of the run's CA bundle (cluster.tls.ca), is valid now, and may be used for both TLS server and TLS
/// client authentication, since every node both accepts connections and dials them. Host names are not checked:
/// nodes dial each other by address, and holding a certificate of the run's CA is the identity.
/// </summary>
public sealed class PeerCertificatePolicy
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2Collection _authorities;
    private readonly Func<DateTime> _now;

    /// <param name="authorities">The CA certificates trusted (all of a rotation's CAs).</param>
    /// <param name="now">The clock validity is judged by (tests move it).</param>
    public PeerCertificatePolicy(X509Certificate2Collection authorities, Func<DateTime>? now = null)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        if (authorities.Count == 0)
        {
            throw new ArgumentException("no CA certificate to trust", nameof(authorities));
        }
        _authorities = authorities;
        _now = now ?? (() => DateTime.Now);
    }

    /// <summary>
    /// Null when <paramref name="certificate"/> is accepted, else why not, in words an operator can act on.
    /// <paramref name="presented"/> holds the certificates the peer sent beside it (intermediates), when known.
    /// </summary>
    public string? Refusal(X509Certificate2? certificate, X509Chain? presented = null)
    {
        if (certificate is null)
        {
            return "it presented no certificate";
        }
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_authorities);
        policy.ExtraStore.AddRange(_authorities);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                policy.ExtraStore.Add(element.Certificate);
            }
        }
        // A run's private CA publishes no revocation lists; rotation replaces the CA instead (docs/security.md).
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.ApplicationPolicy.Add(ServerAuthentication);
        policy.ApplicationPolicy.Add(ClientAuthentication);
        policy.VerificationTime = _now();
        policy.VerificationTimeIgnored = false;
        if (chain.Build(certificate))
        {
            return null;
        }
        var problems = chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s);
        return Describe(problems, certificate);
    }

    /// <summary>A certificate in a line of the log: subject, issuer and validity, never key material.</summary>
    public static string Name(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Create(CultureInfo.InvariantCulture,
            $"'{certificate.Subject}' (issuer '{certificate.Issuer}', valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm}Z to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z)");
    }

    private static string Describe(X509ChainStatusFlags problems, X509Certificate2 certificate)
    {
        var reasons = new List<string>();
        if ((problems & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            reasons.Add($"it does not chain to a CA certificate of cluster.tls.ca (its issuer is '{certificate.Issuer}')");
        }
        if ((problems & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture,
                $"it or its CA is not valid now (the certificate is valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm}Z to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z)"));
        }
        if ((problems & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            reasons.Add("its extended key usage does not allow both TLS server and TLS client authentication");
        }
        if ((problems & X509ChainStatusFlags.NotSignatureValid) != 0)
        {
            reasons.Add("a signature in its chain does not verify");
        }
        var other = problems & ~(X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotTimeValid
                                 | X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.NotSignatureValid);
        if (other != X509ChainStatusFlags.NoError || reasons.Count == 0)
        {
            reasons.Add($"its chain does not verify ({other})");
        }
        return string.Join("; ", reasons);
    }
}
