namespace Orchestrator.Integration.Tests;

/// <summary>
/// A role process with cluster.discovery.method kubernetes where it cannot work, and the --hostname a pod passes:
/// the real executable refuses at once, naming what is missing, instead of waiting for contact points.
/// </summary>
public sealed class KubernetesDiscoveryTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    // As outside any pod, whatever machine runs the tests.
    private static readonly Dictionary<string, string?> NoPod = new()
    {
        ["KUBERNETES_SERVICE_HOST"] = null,
        ["KUBERNETES_SERVICE_PORT"] = null,
    };

    [Theory]
    [InlineData("coordinator")]
    [InlineData("trainer")]
    [InlineData("evaluator")]
    public async Task Kubernetes_discovery_outside_a_pod_stops_at_once_naming_the_missing_variables(string role)
    {
        using var run = KubernetesRun();

        var result = await OrchestratorProcess.RunAsync(run.Directory, Limit, NoPod, role, "--config", run.SpecPath, "--hostname", "127.0.0.1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(
            "error: cluster.discovery.method is kubernetes, but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: this process is not in a Kubernetes pod",
            result.Error, StringComparison.Ordinal);
    }

    // The API server's variables set, as in a pod whose spec turned the service account token off.
    [Fact]
    public async Task A_pod_without_a_service_account_token_is_told_so()
    {
        using var run = KubernetesRun();
        var apiServer = new Dictionary<string, string?> { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" };

        var result = await OrchestratorProcess.RunAsync(run.Directory, Limit, apiServer, "trainer", "--config", run.SpecPath);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the pod has no service account token at /var/run/secrets/kubernetes.io/serviceaccount/token", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a host")]
    public async Task A_hostname_that_is_no_address_is_refused(string hostname)
    {
        using var run = KubernetesRun();

        var result = await OrchestratorProcess.RunAsync(run.Directory, Limit, "trainer", "--config", run.SpecPath, "--hostname", hostname);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"option --hostname: '{hostname}' is not a host name or IP address", result.Error, StringComparison.Ordinal);
    }

    private static TinyRun KubernetesRun() => new(
        steps: 1,
        extra: "telemetry: { progress: false }",
        cluster: "workers_per_node: 1, discovery: { method: kubernetes, management_port_name: management }");
}
