using System.Diagnostics;
using System.Text.Json;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// The metrics of a real run as the real Prometheus sees them (deploy/prometheus/prometheus.yml), and the
/// Grafana dashboard (deploy/grafana/orchestrator.json) checked against them, so that it cannot drift from
/// the code.
/// </summary>
[Collection("processes")]
public sealed class PrometheusScrapeTests(ObservedRun run) : IClassFixture<ObservedRun>
{
    // The metrics the dashboard and the docs promise, by their Prometheus names (docs/telemetry.md).
    private static readonly string[] Required =
    [
        "orchestrator_train_loss_bucket", "orchestrator_train_loss_sum", "orchestrator_train_loss_count",
        "orchestrator_train_samples_per_second", "orchestrator_train_samples_total", "orchestrator_train_step",
        "orchestrator_train_step_duration_seconds_sum", "orchestrator_train_step_duration_seconds_count",
        "orchestrator_allreduce_duration_seconds_sum", "orchestrator_allreduce_duration_seconds_count",
        "orchestrator_allreduce_size_bytes_total", "orchestrator_data_rows_skipped_total",
        "orchestrator_checkpoint_duration_seconds_sum", "orchestrator_checkpoint_duration_seconds_count",
        "orchestrator_eval_fid", "orchestrator_eval_clip_score", "orchestrator_eval_frechet_distance",
    ];

    private static readonly TimeSpan SeriesLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Prometheus_has_loss_throughput_per_rank_step_and_all_reduce_times_skips_by_reason_checkpoints_and_evaluation_metrics()
    {
        Assert.True(run.Result.ExitCode == 0, run.Result.Output + run.Result.Error);
        Assert.DoesNotContain("no scrape came", run.Result.Output, StringComparison.Ordinal);

        var series = await SeriesAsync();
        var names = series.Select(s => s["__name__"]).ToHashSet(StringComparer.Ordinal);
        Assert.True(Required.All(names.Contains), $"missing: {string.Join(", ", Required.Where(n => !names.Contains(n)))}\n{Describe(series)}");

        // Per-rank series, so that a straggler shows; skips by reason; Frechet distance under its extractor.
        Assert.Equal(["0", "1"], Labels(series, "orchestrator_train_step_duration_seconds_count", "rank"));
        Assert.Equal(["0", "1"], Labels(series, "orchestrator_allreduce_duration_seconds_count", "rank"));
        Assert.Equal(["MissingImage", "Undecodable"], Labels(series, "orchestrator_data_rows_skipped_total", "reason"));
        Assert.StartsWith("inception-v3-fid", Assert.Single(Labels(series, "orchestrator_eval_frechet_distance", "extractor")), StringComparison.Ordinal);

        // Values: the run's last step, and every bad row counted (the run ended, so take the last sample before staleness).
        var steps = await run.Prometheus.QueryAsync("max(max_over_time(orchestrator_train_step[10m]))");
        Assert.Equal(ObservedRun.Steps, Assert.Single(steps).Value);
        var skipped = await run.Prometheus.QueryAsync("sum(max_over_time(orchestrator_data_rows_skipped_total[10m]))");
        Assert.True(Assert.Single(skipped).Value >= ObservedRun.BadRows, $"rows skipped: {skipped[0].Value}");
        var clip = await run.Prometheus.QueryAsync("max_over_time(orchestrator_eval_clip_score[10m])");
        Assert.True(double.IsFinite(Assert.Single(clip).Value));
    }

    [Fact]
    public async Task Every_query_of_the_grafana_dashboard_names_metrics_that_Prometheus_has_series_for()
    {
        var dashboard = GrafanaDashboard.Load();
        Assert.True(dashboard.Root.GetProperty("schemaVersion").GetInt32() >= 39);
        var variable = Assert.Single(dashboard.Root.GetProperty("templating").GetProperty("list").EnumerateArray());
        Assert.Equal(("datasource", "prometheus"), (variable.GetProperty("type").GetString(), variable.GetProperty("query").GetString()));
        string datasource = "${" + variable.GetProperty("name").GetString() + "}";

        var series = await SeriesAsync();
        var names = series.Select(s => s["__name__"]).ToHashSet(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var panel in dashboard.Root.GetProperty("panels").EnumerateArray())
        {
            string title = panel.GetProperty("title").GetString()!;
            Assert.Equal(datasource, panel.GetProperty("datasource").GetProperty("uid").GetString());
            var queries = panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList();
            Assert.True(queries.Count > 0, $"panel '{title}' has no query");
            foreach (string query in queries)
            {
                var metrics = GrafanaDashboard.MetricNames(query);
                Assert.True(metrics.Count > 0, $"panel '{title}': no metric name in {query}");
                foreach (string metric in metrics)
                {
                    Assert.True(names.Contains(metric), $"panel '{title}': {metric} has no series in Prometheus (query: {query})\n{Describe(series)}");
                    used.Add(metric);
                }
            }
        }
        // The dashboard shows every promised metric (a histogram through its _sum or _bucket).
        var unshown = Required.Where(r => !used.Contains(r) && !used.Contains(Histogram(r))).ToList();
        Assert.True(unshown.Count == 0, $"no panel shows {string.Join(", ", unshown)}");
    }

    private static string Histogram(string name) =>
        name.EndsWith("_count", StringComparison.Ordinal) ? name[..^"_count".Length] + "_sum" : name;

    // The run has ended by now; Prometheus has its last scrape in its head block within moments.
    private async Task<List<Dictionary<string, string>>> SeriesAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var series = await run.Prometheus.SeriesAsync("orchestrator_.*", run.Began);
            var names = series.Select(s => s["__name__"]).ToHashSet(StringComparer.Ordinal);
            if (Required.All(names.Contains) || clock.Elapsed > SeriesLimit)
            {
                return series;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static List<string> Labels(List<Dictionary<string, string>> series, string name, string label) =>
        series.Where(s => s["__name__"] == name && s.ContainsKey(label)).Select(s => s[label]).Distinct().Order(StringComparer.Ordinal).ToList();

    private static string Describe(List<Dictionary<string, string>> series) =>
        "series:\n" + string.Join("\n", series.Select(s => JsonSerializer.Serialize(s)).Order(StringComparer.Ordinal));
}
