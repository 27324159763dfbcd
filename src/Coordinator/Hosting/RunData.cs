using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;
using Orchestrator.DataLoader.Video;
using Orchestrator.Models.Diffusion;
using Orchestrator.Trainer.Replica;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The training data of a run as every process builds it from the spec alone: the shard catalog (from
/// Parquet footers), the sample plan and the batch source. Same spec, same plan on every node, so the
/// data cursor travels as the step number only.
/// </summary>
public sealed class RunData
{
    private RunData(RunSpec spec, ShardCatalog catalog, SamplePlan plan, TrainingSetup setup, SkipCounter skips, VideoSkipCounter videoSkips)
    {
        VideoSkips = videoSkips;
        Spec = spec;
        Catalog = catalog;
        Plan = plan;
        Setup = setup;
        Skips = skips;
    }

    public RunSpec Spec { get; }

    public ShardCatalog Catalog { get; }

    public SamplePlan Plan { get; }

    public TrainingSetup Setup { get; }

    public SkipCounter Skips { get; }

    /// <summary>Video rows skipped (video runs), by reason.</summary>
    public VideoSkipCounter VideoSkips { get; }

    public static async Task<RunData> OpenAsync(RunSpec spec, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ShardCatalog.CheckDisjoint(spec.Data.Train, spec.Data.Validation);
        var catalog = await ShardCatalog.OpenAsync(spec.Data.Train, cancellationToken);
        if (catalog.TotalRows < spec.Train.GlobalBatch)
        {
            throw new RunSpecException([
                $"{source}: train.global_batch: larger than the training data, got {spec.Train.GlobalBatch}; " +
                $"expected at most the {catalog.TotalRows} rows of data.train ({string.Join(", ", spec.Data.Train.Select(d => d.Shards))})"]);
        }
        var plan = SamplePlan.For(catalog, spec.Train.GlobalBatch, spec.Run.Seed);
        var tokenizer = new CaptionTokenizer(spec.Data.VocabularySize, spec.Data.MaxCaptionTokens);
        var skips = new SkipCounter(message => System.Console.WriteLine($"skip: {message}"));
        var videoSkips = new VideoSkipCounter(message => System.Console.WriteLine($"skip: {message}"));
        var clips = ClipRows.For(spec, videoSkips);
        if (clips?.Sampler.FallbackReason is { } fallback)
        {
            System.Console.WriteLine($"warning: {fallback}");
        }
        var batches = new BatchSource(catalog, plan, spec.Data.ImageSize, tokenizer, spec.Data.DecodeThreads, skips, clips: clips);
        var objective = new DiffusionObjective(NoiseSchedule.Create(spec.Diffusion), spec.Diffusion.CfgDropout, tokenizer.EmptyCaption, spec.Run.Seed);
        return new RunData(spec, catalog, plan, new TrainingSetup(spec, plan, batches, objective), skips, videoSkips);
    }
}
