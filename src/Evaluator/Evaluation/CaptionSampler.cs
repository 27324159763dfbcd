using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Text;
using Orchestrator.Models.Diffusion;
using Orchestrator.Models.Networks;
using Orchestrator.Models.Sampling;
using Orchestrator.Models.State;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Evaluation;

/// <summary>
/// Samples images for captions with a run's model: tokenizes them as training did, and runs the chosen
/// sampler (with classifier-free guidance) in chunks, one seed per image, so that an image does not
/// depend on which other captions share its chunk.
/// </summary>
public sealed class CaptionSampler
{
    /// <summary>Images denoised together; guidance doubles the forward batch.</summary>
    public const int Chunk = 32;

    private readonly RunSpec _spec;
    private readonly SamplerSection _settings;
    private readonly CaptionTokenizer _tokenizer;
    private readonly Sampler _sampler;

    public CaptionSampler(RunSpec spec, SamplerSection settings)
    {
        _spec = spec;
        _settings = settings;
        _tokenizer = new CaptionTokenizer(spec.Data.VocabularySize, spec.Data.MaxCaptionTokens);
        var schedule = NoiseSchedule.Create(spec.Diffusion);
        _sampler = SamplerFactory.Create(settings, schedule);
        // DDPM visits every timestep whatever sampler.steps says.
        StepsPerChunk = settings.Kind == "ddpm" ? schedule.Timesteps : settings.Steps;
    }

    /// <summary>Sampler steps that one chunk of captions takes.</summary>
    public int StepsPerChunk { get; }

    /// <summary>Sampler steps that <paramref name="captions"/> captions take in all.</summary>
    public long TotalSteps(int captions) => (captions + Chunk - 1) / Chunk * (long)StepsPerChunk;

    /// <summary>The run's network with the named checkpoint file's weights (ema.safetensors or model.safetensors), in eval mode.</summary>
    public static DiffusionModel LoadModel(RunSpec spec, LoadedCheckpoint checkpoint, string weightsFile)
    {
        var model = ModelFactory.Create(spec.Model, spec.Data.VocabularySize, spec.Data.MaxCaptionTokens, spec.Data.ImageSize);
        ModuleState.Restore(model, checkpoint[weightsFile]);
        model.eval();
        return model;
    }

    /// <summary>
    /// Images (n, C, F, H, W) in [-1, 1] for <paramref name="captions"/> (F = 1, or data.clip.frames for clips), sample i from <paramref name="seeds"/>[i];
    /// <paramref name="progress"/> gets the sampler steps done so far in this call.
    /// </summary>
    public Tensor Sample(DiffusionModel model, IReadOnlyList<string> captions, long[] seeds, Action<long>? progress = null)
    {
        if (seeds.Length != captions.Count)
        {
            throw new ArgumentException($"{captions.Count} captions but {seeds.Length} seeds; expected one seed per caption.", nameof(seeds));
        }
        var chunks = new List<Tensor>();
        long done = 0;
        for (int start = 0; start < captions.Count; start += Chunk)
        {
            int count = Math.Min(Chunk, captions.Count - start);
            var tokens = torch.tensor(
                captions.Skip(start).Take(count).SelectMany(_tokenizer.Encode).ToArray(),
                [count, _spec.Data.MaxCaptionTokens]);
            long before = done;
            chunks.Add(_sampler.Sample(
                model, tokens, _tokenizer.EmptyCaption, seeds[start..(start + count)],
                (_spec.Model.InChannels, _spec.Data.SampleFrames, _spec.Data.ImageSize, _spec.Data.ImageSize), _settings.Guidance, _settings.Steps,
                (step, _) => progress?.Invoke(before + step)));
            done += StepsPerChunk;
        }
        return torch.cat(chunks, 0);
    }
}
