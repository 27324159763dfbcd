using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Orchestrator.Core.Telemetry;

namespace Orchestrator.Core.Tests.Telemetry;

public sealed class OrchestratorTelemetryTests
{
    [Fact]
    public void Each_record_method_reaches_its_instrument_with_unit_and_tags()
    {
        var seen = new ConcurrentBag<(string Name, string? Unit, string Kind, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OrchestratorTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen.Add(Seen(i, v, tags)));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Add(Seen(i, v, tags)));
        listener.Start();

        OrchestratorTelemetry.RecordLoss(0.0625);
        OrchestratorTelemetry.AddSamples(32);
        OrchestratorTelemetry.RecordSamplesPerSecond(41.5);
        OrchestratorTelemetry.RecordStepDuration(0.75, rank: 3);
        OrchestratorTelemetry.RecordStep(17);
        OrchestratorTelemetry.RecordAllReduce(0.0125, bytes: 4096, rank: 1);
        OrchestratorTelemetry.RecordComputeDuration(0.5, rank: 2);
        OrchestratorTelemetry.AddRowsSkipped(2, "undecodable");
        OrchestratorTelemetry.RecordCheckpointDuration(1.5);
        OrchestratorTelemetry.RecordFrechetDistance(12.25, "resnet18");
        OrchestratorTelemetry.RecordClipScore(0.3125);

        Assert.Contains(("orchestrator.train.loss", "1", "Histogram`1", 0.0625, ""), seen);
        Assert.Contains(("orchestrator.train.samples", "{sample}", "Counter`1", 32.0, ""), seen);
        Assert.Contains(("orchestrator.train.samples_per_second", "{sample}/s", "Gauge`1", 41.5, ""), seen);
        Assert.Contains(("orchestrator.train.step.duration", "s", "Histogram`1", 0.75, "rank=3"), seen);
        Assert.Contains(("orchestrator.train.step", "{step}", "Gauge`1", 17.0, ""), seen);
        Assert.Contains(("orchestrator.allreduce.duration", "s", "Histogram`1", 0.0125, "rank=1"), seen);
        Assert.Contains(("orchestrator.allreduce.size", "By", "Counter`1", 4096.0, "rank=1"), seen);
        Assert.Contains(("orchestrator.train.compute.duration", "s", "Histogram`1", 0.5, "rank=2"), seen);
        Assert.Contains(("orchestrator.data.rows.skipped", "{row}", "Counter`1", 2.0, "reason=undecodable"), seen);
        Assert.Contains(("orchestrator.checkpoint.duration", "s", "Histogram`1", 1.5, ""), seen);
        Assert.Contains(("orchestrator.eval.frechet_distance", "1", "Gauge`1", 12.25, "extractor=resnet18"), seen);
        Assert.Contains(("orchestrator.eval.clip_score", "1", "Gauge`1", 0.3125, ""), seen);
    }

    [Fact]
    public void Meter_and_activity_source_share_one_name()
    {
        Assert.Equal("Orchestrator", OrchestratorTelemetry.Meter.Name);
        Assert.Equal("Orchestrator", OrchestratorTelemetry.ActivitySource.Name);
    }

    private static (string, string?, string, double, string) Seen<T>(
        Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
        return (instrument.Name, instrument.Unit, instrument.GetType().Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), text);
    }
}
