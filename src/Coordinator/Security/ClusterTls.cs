using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Security;

/// <summary>
/// The TLS material of one node (cluster.tls, docs/security.md): its certificate with the private key, and the CA
/// certificates it trusts. Akka remoting then runs over TLS with mutual authentication: every node presents its
/// certificate, and a connection whose peer certificate <see cref="PeerCertificatePolicy"/> refuses is dropped in the
/// handshake, before any cluster message, with a line that says why.
/// </summary>
public sealed class ClusterTls : IDisposable
{
    private readonly Action<string> _log;

    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection authorities, Action<string> log)
    {
        Certificate = certificate;
        Authorities = authorities;
        Peers = new PeerCertificatePolicy(authorities);
        _log = log;
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates of cluster.tls.ca.</summary>
    public X509Certificate2Collection Authorities { get; }

    public PeerCertificatePolicy Peers { get; }

    /// <summary>
    /// Reads the material <paramref name="tls"/> names, or null without cluster.tls. A file that is missing or not
    /// PEM, a key that does not fit the certificate, or a certificate of this node that its own CA bundle refuses
    /// (expired, another CA) is a <see cref="RunSpecException"/> naming the key: peers would refuse it anyway.
    /// </summary>
    public static ClusterTls? Load(TlsSection? tls, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (tls is null)
        {
            return null;
        }
        string certificatePem = Pem(tls.Certificate, "cluster.tls.certificate", "CERTIFICATE");
        string keyPem = Pem(tls.Key, "cluster.tls.key", "PRIVATE KEY");
        string caPem = Pem(tls.Ca, "cluster.tls.ca", "CERTIFICATE");
        string? password = tls.KeyPasswordFile.Length > 0
            ? SecretSource.ReadFile(tls.KeyPasswordFile, "cluster.tls.key_password_file", "the password of cluster.tls.key")
            : tls.KeyPasswordEnv.Length > 0
                ? SecretSource.ReadEnvironment(tls.KeyPasswordEnv, "cluster.tls.key_password_env", "the password of cluster.tls.key")
                : null;

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(caPem);
        }
        catch (CryptographicException e)
        {
            throw Problem("cluster.tls.ca", tls.Ca, $"not a PEM bundle of certificates ({e.Message})");
        }
        if (authorities.Count == 0)
        {
            throw Problem("cluster.tls.ca", tls.Ca, "holds no certificate");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = password is null
                ? X509Certificate2.CreateFromPem(certificatePem, keyPem)
                : X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, password);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // The exception names neither the key nor its password.
            throw Problem("cluster.tls.key", tls.Key,
                $"cannot be used with cluster.tls.certificate: {e.Message} (a key that does not belong to the certificate, a wrong password, or not PEM)");
        }
        var material = new ClusterTls(certificate, authorities, log);
        if (material.Peers.Refusal(certificate) is { } refusal)
        {
            var problem = Problem("cluster.tls.certificate", tls.Certificate,
                $"this node's certificate {PeerCertificatePolicy.Name(certificate)} would be refused by its peers: {refusal}");
            material.Dispose();
            throw problem;
        }
        return material;
    }

    /// <summary>The remoting options of a node: TLS on, both sides authenticated, peers judged by <see cref="Peers"/>.</summary>
    public SslOptions Remoting() => new()
    {
        X509Certificate = Certificate,
        SuppressValidation = false,
        RequireMutualAuthentication = true,
        // Nodes dial addresses (pod IPs, 10.x); the certificate's chain to the run's CA is the identity.
        ValidateCertificateHostname = false,
        CustomValidator = Validate,
    };

    /// <summary>What this node presents and trusts, for the start-up log.</summary>
    public string Describe() =>
        $"remoting over TLS with mutual authentication; this node presents {PeerCertificatePolicy.Name(Certificate)}; " +
        $"peers must chain to {Authorities.Count} CA certificate(s) of cluster.tls.ca";

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var authority in Authorities)
        {
            authority.Dispose();
        }
    }

    // Akka's validation callback, on both sides of every handshake. The policy errors of the system's own chain
    // check are ignored: the system trust store does not hold the run's CA, and host names are not the identity.
    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        string? refusal = Peers.Refusal(certificate, chain);
        if (refusal is null)
        {
            return true;
        }
        string who = certificate is null ? "" : $" certificate {PeerCertificatePolicy.Name(certificate)}";
        _log($"tls: refused the connection of {peer}:{who}: {refusal}");
        return false;
    }

    // The PEM text of a key: the value itself when it holds PEM, else the file it names.
    private static string Pem(string value, string key, string label)
    {
        if (IsInlinePem(value))
        {
            return value;
        }
        if (!File.Exists(value))
        {
            throw Problem(key, value, $"file not found; expected a PEM file holding a {label}");
        }
        return File.ReadAllText(value);
    }

    /// <summary>A spec value that holds PEM text itself rather than a file's path.</summary>
    public static bool IsInlinePem(string value) => value.Contains("-----BEGIN ", StringComparison.Ordinal);

    // Names the key and the file, never inline PEM (which may be a private key).
    private static RunSpecException Problem(string key, string value, string problem) =>
        new([$"{key}: {(IsInlinePem(value) ? "(PEM in the spec)" : value)}: {problem}"]);
}
