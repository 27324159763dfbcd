using System.Diagnostics;

namespace Orchestrator.Integration.Tests;

/// <summary>The deployed Prometheus configuration and the dashboard's query parsing, without a run.</summary>
public sealed class DeployedConfigTests
{
    [Fact]
    public void The_metric_names_of_a_query_leave_out_functions_labels_ranges_and_keywords()
    {
        Assert.Equal(
            ["orchestrator_a_sum", "orchestrator_a_count"],
            GrafanaDashboard.MetricNames(
                "sum by (rank) (rate(orchestrator_a_sum{job=\"x\", rank=~\"0|1\"}[$__rate_interval])) / ignoring(le) sum without (le) (rate(orchestrator_a_count[5m] offset 1m)) > bool 0.5"));
        Assert.Equal(["up"], GrafanaDashboard.MetricNames("histogram_quantile(0.9, up)"));
    }

    [Fact]
    public async Task The_deployed_scrape_configuration_passes_promtool()
    {
        string promtool = InstalledProgram.Find("promtool", "prometheus");
        using var check = Process.Start(new ProcessStartInfo(promtool, ["check", "config", PrometheusServer.DeployedConfig])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string output = await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();
        Assert.True(check.ExitCode == 0, output);
    }
}
