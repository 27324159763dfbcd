using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Sampling;
using Orchestrator.Evaluator.Features;
using Orchestrator.Evaluator.Grids;
using Orchestrator.Evaluator.Metrics;
using TorchSharp;

namespace Orchestrator.Evaluator.Evaluation;

/// <summary>
/// Judges one checkpoint: samples the spec's prompts with fixed seeds from the EMA weights into a
/// captioned PNG grid, and compares features of generated and held-out real images by the Frechet
/// distance (on the named feature extractor: not FID, which needs Inception-v3 weights).
/// </summary>
public sealed class CheckpointEvaluation : IDisposable
{
    private readonly RunSpec _spec;
    private readonly HeldOutImages _heldOut;
    private readonly string _gridDirectory;
    private readonly CaptionSampler _sampler;
    private readonly IFeatureExtractor _extractor;
    private readonly Action<long, long>? _progress;
    private FeatureStatistics? _realStatistics;

    /// <summary>An evaluation for <paramref name="spec"/>'s model, against <paramref name="heldOut"/>, writing grids to <paramref name="gridDirectory"/>.</summary>
    /// <param name="spec">The run spec (model, data, eval sections).</param>
    /// <param name="heldOut">Real images and captions from the validation shards.</param>
    /// <param name="gridDirectory">Folder of the per-checkpoint sample grids.</param>
    /// <param name="progress">Called with (sampler steps done, total) as an evaluation goes.</param>
    public CheckpointEvaluation(RunSpec spec, HeldOutImages heldOut, string gridDirectory, Action<long, long>? progress = null)
    {
        _progress = progress;
        _spec = spec;
        _heldOut = heldOut;
        _gridDirectory = gridDirectory;
        _sampler = new CaptionSampler(spec, spec.Eval.Sampler);
        _extractor = new RandomConvFeatures(seed: 0);
    }

    /// <summary>Evaluates the checkpoint folder (its hashes are verified first).</summary>
    public EvaluationResult Evaluate(string checkpointDirectory)
    {
        var checkpoint = CheckpointStore.LoadFolder(checkpointDirectory);
        using var model = CaptionSampler.LoadModel(_spec, checkpoint, "ema.safetensors");

        var prompts = _spec.Eval.Prompts;
        var heldOutCaptions = _heldOut.Captions;
        long total = _sampler.TotalSteps(prompts.Count) + _sampler.TotalSteps(heldOutCaptions.Count);
        var seeds = prompts.Select((_, i) => _spec.Eval.Seed + i).ToArray();
        string gridPath = Path.Combine(_gridDirectory, $"step-{checkpoint.Manifest.Step:D8}.png");
        using (var scope = torch.NewDisposeScope())
        {
            var images = _sampler.Sample(model, prompts, seeds, done => _progress?.Invoke(done, total));
            Directory.CreateDirectory(_gridDirectory);
            SampleGrid.WritePng(gridPath, images, prompts);
        }

        // Generated images use the held-out rows' own captions, so both sides have the same caption distribution.
        long offset = _sampler.TotalSteps(prompts.Count);
        using (var scope = torch.NewDisposeScope())
        {
            _realStatistics ??= FeatureStatistics.FromFeatures(_extractor.Extract(_heldOut.Images));
            var heldOutSeeds = heldOutCaptions.Select((_, i) => SampleSeed.Derive(_spec.Eval.Seed, 0, i, SampleSeed.Purpose.Sampling)).ToArray();
            var generated = _sampler.Sample(model, heldOutCaptions, heldOutSeeds, done => _progress?.Invoke(offset + done, total));
            var fake = FeatureStatistics.FromFeatures(_extractor.Extract(generated.select(2, 0)));
            double distance = FrechetDistance.Compute(_realStatistics, fake);
            return new EvaluationResult(checkpoint.Manifest.Step, gridPath, distance, _extractor.Name);
        }
    }

    public void Dispose()
    {
        _heldOut.Dispose();
        (_extractor as IDisposable)?.Dispose();
    }
}

/// <summary>What an evaluation produced.</summary>
public sealed record EvaluationResult(long Step, string GridPath, double FrechetDistance, string Extractor);
