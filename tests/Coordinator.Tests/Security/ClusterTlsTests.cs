using System.Security.Cryptography;
using Orchestrator.Coordinator.Security;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Security;

public sealed class ClusterTlsTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly List<string> _log = [];

    public ClusterTlsTests()
    {
        DevelopmentCertificates.Write(_folder.Path, ["node", "other"], days: 5);
    }

    [Fact]
    public void Material_from_PEM_files_loads_with_its_private_key_and_the_CA_bundle()
    {
        using var tls = Load(new TlsSection { Certificate = File("node.crt"), Key = File("node.key"), Ca = File("ca.crt") });

        Assert.True(tls.Certificate.HasPrivateKey);
        Assert.Equal("CN=node", tls.Certificate.Subject);
        Assert.Single(tls.Authorities);
        Assert.Contains("remoting over TLS with mutual authentication; this node presents 'CN=node'", tls.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Material_written_into_the_spec_as_PEM_loads_too()
    {
        using var tls = Load(new TlsSection
        {
            Certificate = System.IO.File.ReadAllText(File("node.crt")),
            Key = System.IO.File.ReadAllText(File("node.key")),
            Ca = System.IO.File.ReadAllText(File("ca.crt")),
        });

        Assert.True(tls.Certificate.HasPrivateKey);
    }

    [Fact]
    public void An_encrypted_key_opens_with_the_password_from_the_environment_variable_the_spec_names()
    {
        const string password = "correct horse battery staple";
        using var key = ECDsa.Create();
        key.ImportFromPem(System.IO.File.ReadAllText(File("node.key")));
        System.IO.File.WriteAllText(File("encrypted.key"), key.ExportEncryptedPkcs8PrivateKeyPem(
            password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        string variable = $"ORCHESTRATOR_TEST_KEY_PASSWORD_{Guid.NewGuid():N}";
        var section = new TlsSection { Certificate = File("node.crt"), Key = File("encrypted.key"), Ca = File("ca.crt"), KeyPasswordEnv = variable };
        Environment.SetEnvironmentVariable(variable, password);
        try
        {
            using var tls = Load(section);
            Assert.True(tls.Certificate.HasPrivateKey);

            Environment.SetEnvironmentVariable(variable, "not-the-password-9431");
            var wrong = Assert.Throws<RunSpecException>(() => Load(section));
            Assert.StartsWith($"cluster.tls.key: {File("encrypted.key")}: cannot be used with cluster.tls.certificate", wrong.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password-9431", wrong.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_the_key_and_the_path()
    {
        var error = Assert.Throws<RunSpecException>(() => Load(new TlsSection { Certificate = File("node.crt"), Key = File("node.key"), Ca = File("none.crt") }));

        Assert.Equal($"cluster.tls.ca: {File("none.crt")}: file not found; expected a PEM file holding a CERTIFICATE", error.Message);
    }

    [Fact]
    public void A_key_of_another_node_is_an_error_that_never_shows_a_key_written_into_the_spec()
    {
        string otherKey = System.IO.File.ReadAllText(File("other.key"));

        var error = Assert.Throws<RunSpecException>(() => Load(new TlsSection { Certificate = File("node.crt"), Key = otherKey, Ca = File("ca.crt") }));

        Assert.StartsWith("cluster.tls.key: (PEM in the spec): cannot be used with cluster.tls.certificate", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_certificate_that_its_own_CA_bundle_refuses_fails_at_start()
    {
        using var other = new TemporaryFolder();
        DevelopmentCertificates.Write(other.Path, ["stranger"], days: 5);

        var error = Assert.Throws<RunSpecException>(() => Load(new TlsSection
        {
            Certificate = other.File("stranger.crt"), Key = other.File("stranger.key"), Ca = File("ca.crt"),
        }));

        Assert.StartsWith($"cluster.tls.certificate: {other.File("stranger.crt")}: this node's certificate 'CN=stranger'", error.Message, StringComparison.Ordinal);
        Assert.Contains("would be refused by its peers: it does not chain to a CA certificate of cluster.tls.ca", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_cluster_tls_there_is_no_material()
    {
        Assert.Null(ClusterTls.Load(null, _log.Add));
    }

    public void Dispose() => _folder.Dispose();

    private string File(string name) => _folder.File(name);

    private ClusterTls Load(TlsSection section) => ClusterTls.Load(section, _log.Add)!;
}
