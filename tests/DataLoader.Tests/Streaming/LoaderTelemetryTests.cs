using System.Diagnostics.Metrics;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Telemetry;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Filtering;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Streaming;
using Orchestrator.DataLoader.Tests.Shards;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Streaming;

/// <summary>The loader's metrics as training emits them: a prefetcher over a shard with filtered and bad rows, heard by a MeterListener.</summary>
[Collection(AloneCollection.Name)]
public sealed class LoaderTelemetryTests
{
    private const int Batch = 8;
    private const int Steps = 3;
    private const int Depth = 2;

    [Fact]
    public async Task Rows_read_skipped_and_filtered_decode_time_queue_depth_and_samples_per_second_are_emitted()
    {
        using var folder = new TemporaryFolder();
        // Rows 3 and 9 have no image (skipped); rows 5 and 12 are 10 px wide by their metadata (filtered by min_width 20).
        ShardRow[] rows = [.. Enumerable.Range(0, 16).Select(i => i is 3 or 9
            ? ShardFiles.Row(i) with { Image = null }
            : ShardFiles.Row(i) with { Width = i is 5 or 12 ? 10 : 24 })];
        await ShardWriter.WriteAsync(folder.File("00000.parquet"), rows, rowGroupSize: 8);
        ShardCatalog catalog = await ShardCatalog.OpenAsync(
            [new DatasetSource { Shards = folder.Path, Filters = new DatasetFilters { MinWidth = 20 } }]);
        var skips = new SkipCounter();
        var filtered = new FilterCounter();
        var source = new BatchSource(
            catalog, SamplePlan.For(catalog, Batch, seed: 2), 8, new CaptionTokenizer(64, 4), decodeThreads: 2, skips, filtered: filtered);
        var seen = new List<(string Name, double Value, string Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == OrchestratorTelemetry.Name && instrument.Name.StartsWith("orchestrator.data.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(seen, i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(seen, i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(seen, i, v, tags));
        listener.Start();

        int samples = 0;
        await using (var prefetcher = new BatchPrefetcher(source, firstStep: 0, endStep: Steps, start: 0, count: Batch, Depth))
        {
            for (long step = 0; step < Steps; step++)
            {
                using TrainingBatch batch = await prefetcher.NextAsync(step);
                samples += batch.Count;
            }
        }

        listener.Dispose();
        List<(string Name, double Value, string Tags)> all;
        lock (seen)
        {
            all = [.. seen];
        }

        double Sum(string name, string tags = "") => all.Where(m => m.Name == name && m.Tags == tags).Sum(m => m.Value);
        Assert.InRange(skips.Count(RowSkipReason.MissingImage), 1, 1000);
        Assert.InRange(filtered.Count(RowFilter.MinWidth), 1, 1000);
        // Every row looked at was used, skipped or filtered.
        Assert.Equal(samples + skips.Total + filtered.Total, Sum("orchestrator.data.rows.read"));
        Assert.Equal(skips.Count(RowSkipReason.MissingImage), Sum("orchestrator.data.rows.skipped", "reason=MissingImage"));
        Assert.Equal(filtered.Count(RowFilter.MinWidth), Sum("orchestrator.data.rows.filtered", "filter=MinWidth"));
        double[] decode = [.. all.Where(m => m.Name == "orchestrator.data.decode.duration").Select(m => m.Value)];
        Assert.Equal(Steps, decode.Length);
        Assert.All(decode, seconds => Assert.InRange(seconds, 1e-9, 60));
        double[] depths = [.. all.Where(m => m.Name == "orchestrator.data.prefetch.depth").Select(m => m.Value)];
        Assert.Equal(Steps, depths.Length);
        Assert.All(depths, d => Assert.InRange(d, 0, Depth));
        double[] rates = [.. all.Where(m => m.Name == "orchestrator.data.samples_per_second").Select(m => m.Value)];
        Assert.Equal(Steps, rates.Length);
        Assert.All(rates, rate => Assert.True(rate > 0, $"samples/s {rate}"));
    }

    private static void Add<T>(List<(string, double, string)> seen, Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        string text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
        double number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        lock (seen)
        {
            seen.Add((instrument.Name, number, text));
        }
    }
}
