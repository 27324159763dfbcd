using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orchestrator.Coordinator.Security;

/// <summary>
/// A development CA and node certificates for cluster.tls (`orchestrator certs make`, docs/security.md): ECDSA P-256
/// keys, a CA limited to signing node certificates (path length 0), and node certificates for both TLS server and
/// client authentication (every node accepts and dials), with the node's name as DNS or IP subject alternative name.
/// Keys are written as PKCS#8 PEM with mode 0600 from the moment the file exists.
/// </summary>
public static class DevelopmentCertificates
{
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A certificate (holding its private key) and the key, as made or read here.</summary>
    public sealed record Issued(X509Certificate2 Certificate, ECDsa Key) : IDisposable
    {
        public void Dispose()
        {
            Certificate.Dispose();
            Key.Dispose();
        }
    }

    /// <summary>A self-signed CA valid from a few minutes ago (clock skew) until <paramref name="notAfter"/>.</summary>
    public static Issued MakeCa(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return new Issued(request.CreateSelfSigned(notBefore, notAfter), key);
    }

    /// <summary>
    /// A node certificate signed by <paramref name="ca"/>, for TLS server and client authentication; its subject
    /// alternative name is <paramref name="name"/> (an IP address or a DNS name). The validity is cut to the CA's.
    /// </summary>
    public static Issued MakeNode(Issued ca, string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(name, out var address))
        {
            names.AddIpAddress(address);
        }
        else
        {
            names.AddDnsName(name);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var from = notBefore < ca.Certificate.NotBefore ? new DateTimeOffset(ca.Certificate.NotBefore) : notBefore;
        var until = notAfter > ca.Certificate.NotAfter ? new DateTimeOffset(ca.Certificate.NotAfter) : notAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(ca.Certificate, from, until, serial);
        return new Issued(certificate.CopyWithPrivateKey(key), key);
    }

    /// <summary>
    /// Writes a CA (or reuses the one in <paramref name="existingCa"/>) and a certificate per node into
    /// <paramref name="folder"/>: ca.crt, ca.key, NAME.crt, NAME.key. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<string> nodes, int days, string? existingCa = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;
        var written = new List<string>();
        // Each CA gets a name of its own, so that a refusal's "its issuer is ..." tells two development CAs apart.
        string name = $"orchestrator development CA {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        using var ca = existingCa is null ? MakeCa(name, now - ClockSkew, now.AddDays(days)) : ReadCa(existingCa);
        if (existingCa is null)
        {
            written.Add(WritePem(Path.Combine(folder, CaCertificateFile), ca.Certificate.ExportCertificatePem(), secret: false));
            written.Add(WritePem(Path.Combine(folder, CaKeyFile), ca.Key.ExportPkcs8PrivateKeyPem(), secret: true));
        }
        foreach (string node in nodes)
        {
            using var issued = MakeNode(ca, node, now - ClockSkew, now.AddDays(days));
            written.Add(WritePem(Path.Combine(folder, node + ".crt"), issued.Certificate.ExportCertificatePem(), secret: false));
            written.Add(WritePem(Path.Combine(folder, node + ".key"), issued.Key.ExportPkcs8PrivateKeyPem(), secret: true));
        }
        return written;
    }

    /// <summary>The CA of an earlier `certs make` (ca.crt and ca.key in <paramref name="folder"/>), to add node certificates to it.</summary>
    public static Issued ReadCa(string folder)
    {
        string certificate = Path.Combine(folder, CaCertificateFile);
        string key = Path.Combine(folder, CaKeyFile);
        foreach (string file in new[] { certificate, key })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"{file}: not found; expected the CA of an earlier `orchestrator certs make` ({CaCertificateFile} and {CaKeyFile})", file);
            }
        }
        string keyPem = File.ReadAllText(key);
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(keyPem);
        return new Issued(X509Certificate2.CreateFromPem(File.ReadAllText(certificate), keyPem), ecdsa);
    }

    // A key file is created anew with mode 0600, so that no other user can read it even for a moment (a mode given at
    // creation applies to a new file only, hence the delete of an older one).
    private static string WritePem(string path, string pem, bool secret)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        File.Delete(path);
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(pem);
        writer.Write('\n');
        return path;
    }
}
