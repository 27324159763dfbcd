using System.Security.Cryptography;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Core.Tests.RunSpec;

public sealed class RunSpecRedactionTests
{
    private static readonly string Key = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    [Fact]
    public void A_private_key_written_as_a_block_scalar_is_redacted_and_the_rest_stays_as_written()
    {
        string indented = string.Join('\n', Key.Split('\n').Select(line => "      " + line));
        string yaml = SpecDocuments.Minimal + $"""

            # the cluster's TLS material
            cluster:
              tls:
                certificate: certs/node.crt
                key: |
            {indented}
                ca: certs/ca.crt   # the run's CA
              workers_per_node: 1
            """;

        string redacted = RunSpecRedaction.Redact(yaml);

        Assert.DoesNotContain("PRIVATE KEY", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain(Key.Split('\n')[1], redacted, StringComparison.Ordinal);
        Assert.Contains("# the cluster's TLS material", redacted, StringComparison.Ordinal);
        Assert.Contains("    key: \"[redacted]\"\n    ca: certs/ca.crt   # the run's CA\n", redacted, StringComparison.Ordinal);
        var original = RunSpecLoader.Parse(yaml, "run.yaml");
        var stored = RunSpecLoader.Parse(redacted, "manifest");
        Assert.Equal("[redacted]", stored.Cluster.Tls!.Key);
        var expected = original with { Cluster = original.Cluster with { Tls = original.Cluster.Tls! with { Key = "[redacted]" } } };
        Assert.Equal(RunSpecWriter.ToYaml(expected), RunSpecWriter.ToYaml(stored));
    }

    [Theory]
    [InlineData("PRIVATE KEY")]
    [InlineData("ENCRYPTED PRIVATE KEY")]
    [InlineData("EC PRIVATE KEY")]
    [InlineData("RSA PRIVATE KEY")]
    public void A_private_key_in_a_quoted_scalar_is_redacted_whatever_its_kind(string label)
    {
        string yaml = SpecDocuments.Minimal +
            $"\ncluster: {{ tls: {{ certificate: a.crt, key: \"-----BEGIN {label}-----\\nMHcCAQEEIO\\n-----END {label}-----\\n\", ca: ca.crt }} }}\n";

        string redacted = RunSpecRedaction.Redact(yaml);

        Assert.DoesNotContain("MHcCAQEEIO", redacted, StringComparison.Ordinal);
        Assert.Equal("[redacted]", RunSpecLoader.Parse(redacted, "manifest").Cluster.Tls!.Key);
    }

    [Fact]
    public void A_spec_that_names_files_and_variables_only_is_stored_unchanged()
    {
        string yaml = SpecDocuments.Minimal +
            "\ncluster: { tls: { certificate: a.crt, key: a.key, ca: ca.crt, key_password_env: KEY_PASSWORD } }\n" +
            "checkpoint: { serve: { token_file: /run/secrets/token } }\n";

        Assert.Same(yaml, RunSpecRedaction.Redact(yaml));
    }
}
