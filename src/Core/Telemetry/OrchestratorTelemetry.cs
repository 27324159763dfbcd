using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orchestrator.Core.Telemetry;

/// <summary>
/// The one Meter and one ActivitySource of the orchestrator, both named "Orchestrator" (DESIGN.md,
/// "Telemetry"), and a method per instrument. Names and units follow the OpenTelemetry semantic
/// conventions (dot-separated names, UCUM units, {annotation} for counted things); tags are
/// low-cardinality only: rank, skip reason, extractor name.
/// </summary>
/// <remarks>
/// The loss is a histogram, not a gauge: exporters read a gauge once per collection interval, so
/// with many steps an interval it would show one arbitrary step's noisy loss, while a histogram's
/// sum / count is the mean loss of every step in the interval and its buckets show the spread.
/// Evaluation scores are gauges: one value per evaluation, and the latest is the one that matters.
/// </remarks>
public static class OrchestratorTelemetry
{
    /// <summary>Name of the Meter and the ActivitySource, for AddMeter / AddSource.</summary>
    public const string Name = "Orchestrator";

    /// <summary>Span names: the units of work that are traced.</summary>
    public const string RunSpan = "run";
    public const string StepSpan = "step";
    public const string AllReduceSpan = "allreduce";
    public const string CheckpointSpan = "checkpoint";
    public const string EvaluationSpan = "evaluation";

    public static readonly Meter Meter = new(Name);

    public static readonly ActivitySource ActivitySource = new(Name);

    // Bucket bounds for seconds-long operations: 1 ms to 10 min.
    private static readonly double[] SecondsBuckets =
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    // Diffusion losses (mean squared noise error) sit between about 0.01 and 1.
    private static readonly double[] LossBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];

    private static readonly Histogram<double> Loss = Meter.CreateHistogram(
        "orchestrator.train.loss", unit: "1", description: "Training loss of each step, averaged over the global batch.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LossBuckets });

    private static readonly Counter<long> Samples = Meter.CreateCounter<long>(
        "orchestrator.train.samples", unit: "{sample}", description: "Training samples consumed.");

    private static readonly Gauge<double> SamplesPerSecond = Meter.CreateGauge<double>(
        "orchestrator.train.samples_per_second", unit: "{sample}/s", description: "Training throughput of the whole run.");

    private static readonly Histogram<double> StepDuration = Seconds(
        "orchestrator.train.step.duration", "Time of one training step on one worker.");

    private static readonly Gauge<long> Step = Meter.CreateGauge<long>(
        "orchestrator.train.step", unit: "{step}", description: "Steps committed so far: the x axis of a run, next to time.");

    private static readonly Histogram<double> ComputeDuration = Seconds(
        "orchestrator.train.compute.duration",
        "Time of one step on one worker before its gradient reduction (data and forward/backward): a straggler shows here, not in the step time, which the others spend waiting for it.");

    private static readonly Histogram<double> AllReduceDuration = Seconds(
        "orchestrator.allreduce.duration", "Time of one step's gradient all-reduce on one worker.");

    private static readonly Counter<long> AllReduceSize = Meter.CreateCounter<long>(
        "orchestrator.allreduce.size", unit: "By",
        description: "Bytes of gradient buffers all-reduced; divided by the duration it is the algorithm bandwidth (NCCL's algbw).");

    private static readonly Counter<long> RowsSkipped = Meter.CreateCounter<long>(
        "orchestrator.data.rows.skipped", unit: "{row}", description: "Data rows skipped as unusable, by reason.");

    private static readonly Counter<long> RowsRead = Meter.CreateCounter<long>(
        "orchestrator.data.rows.read", unit: "{row}", description: "Data rows looked at, replacements of dropped rows included.");

    private static readonly Counter<long> RowsFiltered = Meter.CreateCounter<long>(
        "orchestrator.data.rows.filtered", unit: "{row}", description: "Data rows left out by a metadata filter, by filter.");

    private static readonly Histogram<double> DecodeDuration = Seconds(
        "orchestrator.data.decode.duration", "Time to read, decode and collate one worker's part of a step.");

    private static readonly Gauge<int> PrefetchQueueDepth = Meter.CreateGauge<int>(
        "orchestrator.data.prefetch.depth", unit: "{batch}", description: "Batches decoded ahead and waiting for the trainer.");

    private static readonly Gauge<double> LoaderSamplesPerSecond = Meter.CreateGauge<double>(
        "orchestrator.data.samples_per_second", unit: "{sample}/s", description: "Samples the data loader produced per second of its own work.");

    private static readonly Histogram<double> CheckpointDuration = Seconds(
        "orchestrator.checkpoint.duration", "Time to write one checkpoint, fsync and rename included.");

    private static readonly Gauge<double> FrechetDistance = Meter.CreateGauge<double>(
        "orchestrator.eval.frechet_distance", unit: "1",
        description: "Frechet distance between generated and held-out images (FID with an Inception extractor).");

    private static readonly Gauge<double> Fid = Meter.CreateGauge<double>(
        "orchestrator.eval.fid", unit: "1",
        description: "FID: Frechet distance on pytorch-fid's Inception-v3 features between generated and held-out images.");

    private static readonly Gauge<double> ClipScore = Meter.CreateGauge<double>(
        "orchestrator.eval.clip_score", unit: "1", description: "Mean CLIP score of generated images against their prompts.");

    public static void RecordLoss(double loss) => Loss.Record(loss);

    public static void AddSamples(long count) => Samples.Add(count);

    public static void RecordSamplesPerSecond(double samplesPerSecond) => SamplesPerSecond.Record(samplesPerSecond);

    public static void RecordStep(long committedSteps) => Step.Record(committedSteps);

    /// <summary>One step's duration on the worker of <paramref name="rank"/>.</summary>
    public static void RecordStepDuration(double seconds, int rank) =>
        StepDuration.Record(seconds, new KeyValuePair<string, object?>("rank", rank));

    /// <summary>One step's all-reduce on the worker of <paramref name="rank"/>: its time and the bytes of the buffers reduced.</summary>
    public static void RecordAllReduce(double seconds, long bytes, int rank)
    {
        var tag = new KeyValuePair<string, object?>("rank", rank);
        AllReduceDuration.Record(seconds, tag);
        AllReduceSize.Add(bytes, tag);
    }

    /// <summary>One step's data and compute time (before the reduction) on the worker of <paramref name="rank"/>.</summary>
    public static void RecordComputeDuration(double seconds, int rank) =>
        ComputeDuration.Record(seconds, new KeyValuePair<string, object?>("rank", rank));

    /// <summary>Rows skipped; <paramref name="reason"/> is one of a few fixed words (such as undecodable, empty_caption), never a row key.</summary>
    public static void AddRowsSkipped(long count, string reason) =>
        RowsSkipped.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public static void AddRowsRead(long count) => RowsRead.Add(count);

    /// <summary>Rows filtered out; <paramref name="filter"/> is a filter's name (such as MinWidth), never a row key.</summary>
    public static void AddRowsFiltered(long count, string filter) =>
        RowsFiltered.Add(count, new KeyValuePair<string, object?>("filter", filter));

    public static void RecordDecodeDuration(double seconds) => DecodeDuration.Record(seconds);

    public static void RecordPrefetchQueueDepth(int batches) => PrefetchQueueDepth.Record(batches);

    public static void RecordLoaderSamplesPerSecond(double samplesPerSecond) => LoaderSamplesPerSecond.Record(samplesPerSecond);

    public static void RecordCheckpointDuration(double seconds) => CheckpointDuration.Record(seconds);

    /// <summary>A Frechet distance measured with the feature extractor named <paramref name="extractor"/>.</summary>
    public static void RecordFrechetDistance(double distance, string extractor) =>
        FrechetDistance.Record(distance, new KeyValuePair<string, object?>("extractor", extractor));

    /// <summary>FID proper (pytorch-fid's Inception-v3 features); also recorded as a Frechet distance.</summary>
    public static void RecordFid(double fid) => Fid.Record(fid);

    public static void RecordClipScore(double score) => ClipScore.Record(score);

    private static Histogram<double> Seconds(string name, string description) => Meter.CreateHistogram(
        name, unit: "s", description: description, tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
}
