using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Sampling;
using Orchestrator.DataLoader.Text;
using Orchestrator.Evaluator.Features;
using Orchestrator.Evaluator.Grids;
using Orchestrator.Evaluator.Metrics;
using Orchestrator.Models.Diffusion;
using Orchestrator.Models.Networks;
using Orchestrator.Models.Sampling;
using Orchestrator.Models.State;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Evaluation;

/// <summary>
/// Judges one checkpoint: samples the spec's prompts with fixed seeds from the EMA weights into a
/// captioned PNG grid, and compares features of generated and held-out real images by the Frechet
/// distance (on the named feature extractor: not FID, which needs Inception-v3 weights).
/// </summary>
public sealed class CheckpointEvaluation : IDisposable
{
    private const int SamplingChunk = 32;
    private readonly RunSpec _spec;
    private readonly HeldOutImages _heldOut;
    private readonly string _gridDirectory;
    private readonly CaptionTokenizer _tokenizer;
    private readonly NoiseSchedule _schedule;
    private readonly IFeatureExtractor _extractor;
    private readonly Action<long, long>? _progress;
    private FeatureStatistics? _realStatistics;
    private long _stepsDone;
    private long _stepsTotal;

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
        _tokenizer = new CaptionTokenizer(spec.Data.VocabularySize, spec.Data.MaxCaptionTokens);
        _schedule = NoiseSchedule.Create(spec.Diffusion);
        _extractor = new RandomConvFeatures(seed: 0);
    }

    /// <summary>Evaluates the checkpoint folder (its hashes are verified first).</summary>
    public EvaluationResult Evaluate(string checkpointDirectory)
    {
        var checkpoint = CheckpointStore.LoadFolder(checkpointDirectory);
        using var model = ModelFactory.Create(_spec.Model, _spec.Data.VocabularySize, _spec.Data.MaxCaptionTokens, _spec.Data.ImageSize);
        ModuleState.Restore(model, checkpoint["ema.safetensors"]);
        model.eval();

        var prompts = _spec.Eval.Prompts;
        _stepsDone = 0;
        _stepsTotal = (Chunks(prompts.Count) + Chunks(_heldOut.Captions.Count)) * (long)SamplerSteps;
        var seeds = prompts.Select((_, i) => _spec.Eval.Seed + i).ToArray();
        string gridPath = Path.Combine(_gridDirectory, $"step-{checkpoint.Manifest.Step:D8}.png");
        using (var scope = torch.NewDisposeScope())
        {
            var images = Sample(model, prompts, seeds);
            Directory.CreateDirectory(_gridDirectory);
            SampleGrid.WritePng(gridPath, images, prompts, columns: Math.Min(prompts.Count, 4), scale: Math.Max(1, 128 / _spec.Data.ImageSize));
        }

        double distance = FrechetOnHeldOutCaptions(model);
        return new EvaluationResult(checkpoint.Manifest.Step, gridPath, distance, _extractor.Name);
    }

    // Generated images use the held-out rows' own captions, so both sides have the same caption distribution.
    private double FrechetOnHeldOutCaptions(DiffusionModel model)
    {
        using var scope = torch.NewDisposeScope();
        _realStatistics ??= FeatureStatistics.FromFeatures(_extractor.Extract(_heldOut.Images));
        var captions = _heldOut.Captions;
        var seeds = captions.Select((_, i) => SampleSeed.Derive(_spec.Eval.Seed, 0, i, SampleSeed.Purpose.Sampling)).ToArray();
        var generated = Sample(model, captions, seeds);
        var fake = FeatureStatistics.FromFeatures(_extractor.Extract(generated.select(2, 0)));
        return FrechetDistance.Compute(_realStatistics, fake);
    }

    // Returns (n, C, F, H, W) in [-1, 1].
    private Tensor Sample(DiffusionModel model, IReadOnlyList<string> captions, long[] seeds)
    {
        var sampler = SamplerFactory.Create(_spec.Eval.Sampler, _schedule);
        var chunks = new List<Tensor>();
        for (int start = 0; start < captions.Count; start += SamplingChunk)
        {
            int count = Math.Min(SamplingChunk, captions.Count - start);
            var tokens = torch.tensor(
                captions.Skip(start).Take(count).SelectMany(_tokenizer.Encode).ToArray(),
                [count, _spec.Data.MaxCaptionTokens]);
            chunks.Add(sampler.Sample(
                model, tokens, _tokenizer.EmptyCaption, seeds[start..(start + count)],
                (_spec.Model.InChannels, 1, _spec.Data.ImageSize, _spec.Data.ImageSize), _spec.Eval.Sampler.Guidance, _spec.Eval.Sampler.Steps,
                (done, _) => _progress?.Invoke(_stepsDone + done, _stepsTotal)));
            _stepsDone += SamplerSteps;
        }
        return torch.cat(chunks, 0);
    }

    // DDPM visits every timestep whatever sampler.steps says.
    private int SamplerSteps => _spec.Eval.Sampler.Kind == "ddpm" ? _schedule.Timesteps : _spec.Eval.Sampler.Steps;

    private static long Chunks(int count) => (count + SamplingChunk - 1) / SamplingChunk;

    public void Dispose()
    {
        _heldOut.Dispose();
        (_extractor as IDisposable)?.Dispose();
    }
}

/// <summary>What an evaluation produced.</summary>
public sealed record EvaluationResult(long Step, string GridPath, double FrechetDistance, string Extractor);
