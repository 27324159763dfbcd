using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orchestrator.Coordinator.Security;

namespace Orchestrator.Coordinator.Tests.Security;

/// <summary>CAs and node certificates made in memory for the tests, with validity windows the tests choose.</summary>
internal static class TestCertificates
{
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public static DevelopmentCertificates.Issued Ca(string name = "test CA") =>
        DevelopmentCertificates.MakeCa(name, Now.AddDays(-10), Now.AddDays(10));

    public static DevelopmentCertificates.Issued Node(DevelopmentCertificates.Issued ca, string name = "node", int fromDays = -1, int toDays = 5) =>
        DevelopmentCertificates.MakeNode(ca, name, Now.AddDays(fromDays), Now.AddDays(toDays));

    /// <summary>A certificate of <paramref name="ca"/> for TLS servers only (no client authentication).</summary>
    public static X509Certificate2 ServerOnly(DevelopmentCertificates.Issued ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=server-only", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.Create(ca.Certificate, Now.AddDays(-1), Now.AddDays(5), [1, 2, 3, 4]);
    }

    public static X509Certificate2Collection Bundle(params DevelopmentCertificates.Issued[] cas) =>
        [.. cas.Select(ca => X509CertificateLoader.LoadCertificate(ca.Certificate.RawData))];
}
