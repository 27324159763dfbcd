using System.Security.Cryptography.X509Certificates;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Coordinator.Security;

namespace Orchestrator.Coordinator.Tests.Security;

public sealed class CertsCommandTests
{
    [Fact]
    public void Certs_make_writes_a_CA_and_node_certificates_for_server_and_client_with_keys_readable_by_the_owner_only()
    {
        using var folder = new TemporaryFolder();

        Assert.Equal(0, Make("--out", folder.Path, "--nodes", "coordinator,10.0.0.5", "--days", "30"));

        var ca = X509CertificateLoader.LoadCertificateFromFile(folder.File("ca.crt"));
        var constraints = Assert.Single(ca.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.Equal(0, constraints.PathLengthConstraint);
        var policy = new PeerCertificatePolicy([ca]);
        foreach (var (node, name) in new[] { ("coordinator", "coordinator"), ("10.0.0.5", "10.0.0.5") })
        {
            var certificate = X509CertificateLoader.LoadCertificateFromFile(folder.File($"{node}.crt"));
            Assert.Null(policy.Refusal(certificate));
            var usages = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()).EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>();
            Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages.Select(u => u.Value));
            var names = Assert.Single(certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
            Assert.Equal([name], node.Contains('.', StringComparison.Ordinal)
                ? names.EnumerateIPAddresses().Select(a => a.ToString())
                : names.EnumerateDnsNames());
            Assert.InRange((certificate.NotAfter - DateTime.Now).TotalDays, 29, 30);
        }
        if (!OperatingSystem.IsWindows())
        {
            foreach (string key in new[] { "ca.key", "coordinator.key", "10.0.0.5.key" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(folder.File(key)));
            }
        }
    }

    [Fact]
    public void Certs_make_with_ca_signs_a_new_node_with_the_earlier_CA()
    {
        using var first = new TemporaryFolder();
        using var later = new TemporaryFolder();
        Make("--out", first.Path, "--nodes", "trainer-0");

        Make("--out", later.Path, "--nodes", "trainer-9", "--ca", first.Path);

        Assert.False(File.Exists(later.File("ca.crt")));
        var ca = X509CertificateLoader.LoadCertificateFromFile(first.File("ca.crt"));
        Assert.Null(new PeerCertificatePolicy([ca]).Refusal(X509CertificateLoader.LoadCertificateFromFile(later.File("trainer-9.crt"))));
    }

    [Fact]
    public void Certs_make_refuses_to_put_a_new_CA_over_an_existing_one_and_adds_nodes_to_it_with_ca()
    {
        using var folder = new TemporaryFolder();
        Make("--out", folder.Path, "--nodes", "trainer-0");
        string ca = File.ReadAllText(folder.File("ca.crt"));

        var error = Assert.Throws<CommandLineException>(() => Make("--out", folder.Path, "--nodes", "trainer-1"));
        Make("--out", folder.Path, "--nodes", "trainer-1", "--ca", folder.Path);

        Assert.StartsWith($"option --out: {folder.Path} already holds a CA (ca.crt, ca.key); to add node certificates signed by it give --ca", error.Message, StringComparison.Ordinal);
        Assert.Equal(ca, File.ReadAllText(folder.File("ca.crt")));
        Assert.Null(new PeerCertificatePolicy([X509CertificateLoader.LoadCertificateFromFile(folder.File("ca.crt"))])
            .Refusal(X509CertificateLoader.LoadCertificateFromFile(folder.File("trainer-1.crt"))));
    }

    [Theory]
    [InlineData("a/b", "option --nodes: 'a/b' is not a node name")]
    [InlineData("x,x", "option --nodes: a name is listed twice")]
    public void Node_names_that_cannot_be_file_names_or_repeat_are_refused(string nodes, string message)
    {
        using var folder = new TemporaryFolder();

        var error = Assert.Throws<CommandLineException>(() => Make("--out", folder.Path, "--nodes", nodes));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ca_folder_without_the_CA_is_an_error_naming_the_file()
    {
        using var folder = new TemporaryFolder();

        var error = Assert.Throws<FileNotFoundException>(() => Make("--out", folder.File("out"), "--ca", folder.Path));

        Assert.StartsWith($"{folder.File("ca.crt")}: not found", error.Message, StringComparison.Ordinal);
    }

    private static int Make(params string[] args) =>
        CertsCommand.Make(CommandLine.Parse(["certs", "make", .. args], 2, CertsCommand.ValueOptions, new HashSet<string>()));
}
