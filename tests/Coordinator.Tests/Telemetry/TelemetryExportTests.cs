using System.Net;
using System.Net.Sockets;
using Orchestrator.Coordinator.Telemetry;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Telemetry;

namespace Orchestrator.Coordinator.Tests.Telemetry;

/// <summary>The Prometheus scrape endpoint of one process, scraped in-process (the real Prometheus: Integration.Tests).</summary>
public sealed class TelemetryExportTests
{
    [Fact]
    public async Task The_endpoint_serves_the_metrics_in_prometheus_text_with_suffixes_and_labels()
    {
        await using var export = await TelemetryExport.StartAsync(Spec(port: 0), "test");
        OrchestratorTelemetry.RecordStepDuration(0.5, rank: 7);
        OrchestratorTelemetry.AddRowsSkipped(1, "Undecodable");
        using var client = new HttpClient();

        string text = await client.GetStringAsync(export.PrometheusAddress);

        Assert.Equal("/metrics", export.PrometheusAddress!.AbsolutePath);
        Assert.Contains("# TYPE orchestrator_train_step_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("orchestrator_train_step_duration_seconds_count{otel_scope_name=\"Orchestrator\",rank=\"7\"}", text, StringComparison.Ordinal);
        Assert.Contains("orchestrator_data_rows_skipped_total{otel_scope_name=\"Orchestrator\",reason=\"Undecodable\"}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_final_scrape_wait_ends_with_the_next_scrape_and_not_before()
    {
        await using var export = await TelemetryExport.StartAsync(Spec(port: 0, finalScrapeSeconds: 60), "test");
        using var client = new HttpClient();
        await client.GetStringAsync(export.PrometheusAddress);

        var waiting = export.AwaitFinalScrapeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted, "a scrape from before the wait began must not end it");
        await client.GetStringAsync(export.PrometheusAddress);

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Without_a_scrape_the_final_wait_gives_up_after_its_limit()
    {
        await using var export = await TelemetryExport.StartAsync(Spec(port: 0, finalScrapeSeconds: 0.2), "test");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await export.AwaitFinalScrapeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(clock.Elapsed.TotalSeconds, 0.15, 30);
    }

    [Fact]
    public async Task A_port_in_use_is_an_error_naming_the_spec_key_and_the_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TelemetryExport.StartAsync(Spec(port), "test"));

        Assert.Contains("telemetry.prometheus", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_prometheus_or_otlp_in_the_spec_nothing_is_served()
    {
        await using var export = await TelemetryExport.StartAsync(new TelemetrySection(), "test");

        Assert.Null(export.PrometheusAddress);
        await export.AwaitFinalScrapeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(1));
    }

    private static TelemetrySection Spec(int port, double finalScrapeSeconds = 30) =>
        new() { Prometheus = new PrometheusSection { Port = port, FinalScrapeSeconds = finalScrapeSeconds } };
}
