using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Orchestrator.Coordinator.Security;
using Xunit.Abstractions;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// Akka remoting over TLS with mutual authentication between real processes (docs/security.md): certificates from
/// `orchestrator certs make`, a node of another CA refused in the handshake, and the run's secrets (the checkpoint
/// token, a key's password, a private key written into a spec) absent from every log, manifest and run page answer.
/// </summary>
[Collection("processes")]
public sealed class ClusterTlsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Nodes_train_over_mutual_TLS_a_node_of_another_CA_never_joins_and_no_secret_is_logged_stored_or_served()
    {
        int port = RoleProcess.FreePort();
        int trainerPort = RoleProcess.FreePort();
        int roguePort = RoleProcess.FreePort();
        int servePort = RoleProcess.FreePort();
        using var run = new TinyRun(
            steps: 16,
            extra: "telemetry: { progress: false }",
            cluster: "workers_per_node: 2, min_workers: 2, max_workers: 4, collective_timeout_seconds: 20, down_after_seconds: 3, " +
                     $"seed_nodes: [akka.ssl.tcp://orchestrator@127.0.0.1:{port}], tls: TLS");
        string dir = run.Directory;
        await MakeAsync(dir, "certs", "make", "--out", "certs", "--nodes", "coordinator,trainer", "--days", "2");
        await MakeAsync(dir, "certs", "make", "--out", "rogue", "--nodes", "rogue", "--days", "2");

        // Secrets: the checkpoint token and the coordinator's key password come from environment variables, the
        // trainer's private key is written into its spec.
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        using (var key = ECDsa.Create())
        {
            key.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(dir, "certs", "coordinator.key")));
            await File.WriteAllTextAsync(Path.Combine(dir, "certs", "coordinator.encrypted.key"), key.ExportEncryptedPkcs8PrivateKeyPem(
                password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        }
        string trainerKey = await File.ReadAllTextAsync(Path.Combine(dir, "certs", "trainer.key"));
        // The rogue trusts the run's CA (it can read the cluster's certificates) but holds a certificate of its own CA.
        await File.WriteAllTextAsync(Path.Combine(dir, "rogue", "bundle.crt"),
            await File.ReadAllTextAsync(Path.Combine(dir, "rogue", "ca.crt")) + await File.ReadAllTextAsync(Path.Combine(dir, "certs", "ca.crt")));
        string spec = (await File.ReadAllTextAsync(run.SpecPath)).Replace(
            "checkpoint: { every_steps: 2, keep_last: 5 }",
            $"checkpoint: {{ every_steps: 2, keep_last: 5, serve: {{ port: {servePort}, token_env: TEST_CHECKPOINT_TOKEN }} }}", StringComparison.Ordinal);
        string coordinatorSpec = Write(dir, "coordinator.yaml", spec,
            "{ certificate: certs/coordinator.crt, key: certs/coordinator.encrypted.key, ca: certs/ca.crt, key_password_env: TEST_KEY_PASSWORD }");
        string trainerSpec = Write(dir, "trainer.yaml", spec,
            $"{{ certificate: certs/trainer.crt, key: {JsonSerializer.Serialize(trainerKey)}, ca: certs/ca.crt }}");
        string rogueSpec = Write(dir, "rogue.yaml", spec.Replace("down_after_seconds: 3,", "down_after_seconds: 3, join_timeout_seconds: 15,", StringComparison.Ordinal),
            "{ certificate: rogue/rogue.crt, key: rogue/rogue.key, ca: rogue/bundle.crt }");
        await MakeAsync(dir, "shards", "make", "--config", trainerSpec);

        using var coordinator = RoleProcess.Start("coordinator", dir,
            new Dictionary<string, string> { ["TEST_CHECKPOINT_TOKEN"] = token, ["TEST_KEY_PASSWORD"] = password },
            "coordinator", "--config", coordinatorSpec, "--port", Port(port));
        using var rogue = RoleProcess.Start("rogue", dir, "trainer", "--config", rogueSpec, "--port", Port(roguePort));
        using var trainer = RoleProcess.Start("trainer", dir, "trainer", "--config", trainerSpec, "--port", Port(trainerPort));
        var processes = new[] { coordinator, trainer, rogue };
        var watched = WatchRunPageAsync(coordinator, token, servePort);
        try
        {
            // The coordinator refuses the rogue's certificate in the handshake and says why; the rogue, never a member,
            // gives up after its join timeout.
            await coordinator.WaitForLineAsync("tls: refused the connection of ", Limit);
            Assert.Equal(1, await rogue.ExitAsync(Limit));
            Assert.Contains("error: this trainer node left the cluster before the run ended: its actor system stopped (it could not join the cluster within cluster.join_timeout_seconds", rogue.Output, StringComparison.Ordinal);
            Assert.Contains("certificate 'CN=rogue'", coordinator.Output, StringComparison.Ordinal);
            Assert.Contains("it does not chain to a CA certificate of cluster.tls.ca (its issuer is 'CN=orchestrator development CA ", coordinator.Output, StringComparison.Ordinal);

            Assert.Equal(0, await coordinator.ExitAsync(Limit));
            Assert.Equal(0, await trainer.ExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("cluster: remoting over TLS with mutual authentication; this node presents 'CN=coordinator'", coordinator.Output, StringComparison.Ordinal);

            // The run page, asked throughout the run, listed the trainer among the members, never the rogue.
            var answers = await watched;
            Assert.Contains(answers, a => a.Contains($"\"akka.ssl.tcp://orchestrator@127.0.0.1:{trainerPort}\"", StringComparison.Ordinal));
            Assert.Contains(answers, a => a.Contains("\"run_spec\"", StringComparison.Ordinal));
            Assert.DoesNotContain(answers, a => a.Contains($":{roguePort}", StringComparison.Ordinal));

            var records = (await File.ReadAllLinesAsync(Path.Combine(dir, "out", "metrics.jsonl"))).ToList();
            Assert.Single(records, r => r.Contains("\"event\":\"node_joined\"", StringComparison.Ordinal));
            Assert.Contains(records, r => r.Contains("\"event\":\"finish\",\"step\":16", StringComparison.Ordinal));

            // No secret in any log, manifest, metrics line or run page answer; the manifest keeps the spec, key redacted.
            var manifests = Directory.GetFiles(Path.Combine(dir, "out", "checkpoints"), "manifest.json", SearchOption.AllDirectories);
            Assert.NotEmpty(manifests);
            var places = processes.Select(p => (p.Name, p.Output))
                .Concat(manifests.Select(m => (m, File.ReadAllText(m))))
                .Append(("metrics.jsonl", string.Join("\n", records)))
                .Concat(answers.Select((a, i) => ($"run page answer {i}", a)));
            string[] secrets = [token, password, .. PemBody(trainerKey)];
            foreach (var (place, text) in places)
            {
                foreach (string secret in secrets)
                {
                    Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a secret appears in {place}");
                }
            }
            using var manifest = JsonDocument.Parse(File.ReadAllText(manifests[0]));
            string storedSpec = manifest.RootElement.GetProperty("run_spec").GetString()!;
            Assert.Contains("key: \"[redacted]\"", storedSpec, StringComparison.Ordinal);
            Assert.Contains("certificate: certs/trainer.crt", storedSpec, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var process in processes)
            {
                output.WriteLine($"--- {process.Name} ---\n{process.Output}");
            }
        }
    }

    [Fact]
    public async Task A_node_whose_certificate_expired_refuses_to_start_naming_the_file_and_the_validity()
    {
        using var run = new TinyRun(steps: 1, cluster: "workers_per_node: 1, seed_nodes: [akka.ssl.tcp://orchestrator@127.0.0.1:4053], " +
                                                      "tls: { certificate: expired.crt, key: expired.key, ca: ca.crt }");
        var now = DateTimeOffset.UtcNow;
        using (var ca = DevelopmentCertificates.MakeCa("test CA", now.AddDays(-30), now.AddDays(30)))
        using (var expired = DevelopmentCertificates.MakeNode(ca, "expired", now.AddDays(-20), now.AddDays(-10)))
        {
            await File.WriteAllTextAsync(Path.Combine(run.Directory, "ca.crt"), ca.Certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(run.Directory, "expired.crt"), expired.Certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(run.Directory, "expired.key"), expired.Key.ExportPkcs8PrivateKeyPem());
        }

        var result = await OrchestratorProcess.RunAsync(run.Directory, TimeSpan.FromMinutes(1), "trainer", "--config", run.SpecPath);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: cluster.tls.certificate: expired.crt: this node's certificate 'CN=expired'", result.Error, StringComparison.Ordinal);
        Assert.Contains("would be refused by its peers: it or its CA is not valid now", result.Error, StringComparison.Ordinal);
    }

    // Every answer of the run page's JSON endpoints and the checkpoint listing, asked again and again until the
    // coordinator ends (its server with it).
    private static async Task<List<string>> WatchRunPageAsync(RoleProcess coordinator, string token, int port)
    {
        await coordinator.WaitForLineAsync("run page at ", Limit);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var answers = new List<string>();
        string[] paths = ["run/api/status", "run/api/series", "run/api/checkpoints", "checkpoints", "checkpoints/latest/manifest.json"];
        while (!coordinator.HasExited)
        {
            foreach (string path in paths)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                    if (response.IsSuccessStatusCode)
                    {
                        answers.Add(await response.Content.ReadAsStringAsync());
                    }
                }
                catch (HttpRequestException)
                {
                    // The coordinator is ending; the loop stops once its exit is seen.
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }
        return answers;
    }

    // The base64 lines of a PEM block: any of them found somewhere means the key leaked.
    private static IEnumerable<string> PemBody(string pem) =>
        pem.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal));

    private static string Write(string dir, string name, string spec, string tls)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, spec.Replace("tls: TLS", "tls: " + tls, StringComparison.Ordinal));
        return path;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task MakeAsync(string dir, params string[] args)
    {
        var result = await OrchestratorProcess.RunAsync(dir, TimeSpan.FromMinutes(2), args);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
    }
}
