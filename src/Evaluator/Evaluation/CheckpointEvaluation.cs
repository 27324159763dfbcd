using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Sampling;
using Orchestrator.Evaluator.Clip;
using Orchestrator.Evaluator.Features;
using Orchestrator.Evaluator.Grids;
using Orchestrator.Evaluator.Metrics;
using TorchSharp;

namespace Orchestrator.Evaluator.Evaluation;

/// <summary>
/// Judges one checkpoint: samples the spec's prompts with fixed seeds from the EMA weights into a captioned PNG
/// grid, then samples the held-out rows' captions and reports the metrics the spec asks for: the Frechet distance
/// on eval.extractor's features (FID only with pytorch-fid's Inception-v3) against cached reference statistics of
/// the held-out images, and the CLIP score of those samples against their captions when CLIP weights are given.
/// </summary>
/// <remarks>
/// A video run (data.clip) samples clips: the prompts go to a frame strip and one GIF per clip
/// (<see cref="SampleFiles"/>); the Frechet distance compares the frames of generated and held-out clips as images
/// and is reported as "...-frames" (never "fid": FID is defined on images, and frames of clips are another
/// distribution; nor FVD, which needs I3D features of whole clips and is off, see docs/video.md); the CLIP score is
/// averaged over every frame of every clip.
/// </remarks>
public sealed class CheckpointEvaluation : IDisposable
{
    private readonly RunSpec _spec;
    private readonly HeldOutImages _heldOut;
    private readonly string _gridDirectory;
    private readonly CaptionSampler _sampler;
    private readonly IFeatureExtractor _extractor;
    private readonly ClipScorer? _clip;
    private readonly ReferenceStatisticsCache _references;
    private readonly Action<long, long>? _progress;
    private readonly int _frames;
    private FeatureStatistics? _realStatistics;

    /// <summary>An evaluation for <paramref name="spec"/>'s model, against <paramref name="heldOut"/>, writing grids to <paramref name="gridDirectory"/>.</summary>
    /// <param name="spec">The run spec (model, data, eval sections).</param>
    /// <param name="heldOut">Real images and captions from the validation shards; disposed with this evaluation.</param>
    /// <param name="gridDirectory">Folder of the per-checkpoint sample grids.</param>
    /// <param name="progress">Called with (sampler steps done, total) as an evaluation goes.</param>
    public CheckpointEvaluation(RunSpec spec, HeldOutImages heldOut, string gridDirectory, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _progress = progress;
        _spec = spec;
        _heldOut = heldOut;
        _gridDirectory = gridDirectory;
        _sampler = new CaptionSampler(spec, spec.Eval.Sampler);
        var selection = ExtractorSelection.FromSpec(spec.Eval);
        _extractor = selection.Extractor;
        var clipFiles = ClipFiles.FromSpec(spec.Eval.Clip.Weights, spec.Eval.Clip.Config, spec.Eval.Clip.Vocab, spec.Eval.Clip.Merges);
        var clip = ClipScorer.Availability(clipFiles);
        _clip = clip.Enabled ? ClipScorer.Load(clipFiles) : null;
        _references = new ReferenceStatisticsCache(spec.ReferenceCacheDirectory());
        _frames = spec.Data.SampleFrames;
        if (_frames > 1)
        {
            var frames = new MetricStatus(FrechetMetric, true,
                $"Frechet distance of frames on: {FrechetMetric} ({_extractor.Name}, every frame of a clip as an image; not FID, not FVD).");
            Statuses = [frames, FvdStatus, clip with { Reason = clip.Enabled ? $"{clip.Reason} Averaged over every frame." : clip.Reason }];
            return;
        }

        var frechet = new MetricStatus(
            _extractor.MetricName, true, $"Frechet distance on: {_extractor.MetricName} ({_extractor.Name}).");
        Statuses = selection.Fid.Enabled ? [selection.Fid, clip] : [frechet, selection.Fid, clip];
    }

    /// <summary>FVD (Unterthiner et al., 2018) needs a pretrained I3D, which this build does not load (docs/video.md).</summary>
    public static MetricStatus FvdStatus { get; } = new("fvd", false,
        "FVD off: it needs the features of a pretrained I3D network (Kinetics-400), which this build does not load; see docs/video.md.");

    /// <summary>The report name of the Frechet distance of video frames on features whose image metric is <paramref name="imageMetric"/>.</summary>
    public static string FramesMetric(string imageMetric) =>
        (imageMetric == "fid" ? "frechet-inception" : imageMetric) + "-frames";

    /// <summary>Which metrics are computed, and why the others are not: lines for the log, once per run.</summary>
    public IReadOnlyList<MetricStatus> Statuses { get; }

    /// <summary>The report name of the Frechet distance: "fid" or "frechet-" and the extractor; for clips, with "-frames" (<see cref="FramesMetric"/>).</summary>
    public string FrechetMetric => _frames > 1 ? FramesMetric(_extractor.MetricName) : _extractor.MetricName;

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
            SampleFiles.Write(gridPath, images, prompts);
        }

        // Generated images use the held-out rows' own captions, so both sides have the same caption distribution.
        long offset = _sampler.TotalSteps(prompts.Count);
        using (var scope = torch.NewDisposeScope())
        {
            var notes = new List<string>();
            var real = RealStatistics(notes);
            var heldOutSeeds = heldOutCaptions.Select((_, i) => SampleSeed.Derive(_spec.Eval.Seed, 0, i, SampleSeed.Purpose.Sampling)).ToArray();
            var clips = _sampler.Sample(model, heldOutCaptions, heldOutSeeds, done => _progress?.Invoke(offset + done, total));
            // (n, 3, F, S, S) -> (n*F, 3, S, S): every frame is an image for the extractor and CLIP.
            var generated = clips.permute(0, 2, 1, 3, 4).reshape(-1, clips.shape[1], clips.shape[3], clips.shape[4]);
            var fake = FeatureStatistics.FromFeatures(_extractor.Extract(generated), _extractor.Name);
            var frechet = FrechetDistance.Evaluate(real, fake);
            if (frechet.Note is not null)
            {
                notes.Add(frechet.Note);
            }
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { [FrechetMetric] = frechet.Distance };
            if (_clip is not null)
            {
                metrics[ClipScorer.MetricName] = _clip.Score(generated, heldOutCaptions.SelectMany(c => Enumerable.Repeat(c, _frames)).ToList());
            }
            return new EvaluationResult(checkpoint.Manifest.Step, gridPath, metrics, FrechetMetric, _extractor.Name, notes);
        }
    }

    // The real side depends only on the data, the extractor and the resolution: computed once, cached on disk
    // across runs and processes when the held-out shards are known.
    private FeatureStatistics RealStatistics(List<string> notes)
    {
        if (_realStatistics is not null)
        {
            return _realStatistics;
        }
        FeatureStatistics Compute() => FeatureStatistics.FromFeatures(_extractor.Extract(_heldOut.Images), _extractor.Name);
        if (_heldOut.Files.Count == 0)
        {
            return _realStatistics = Compute();
        }
        // The row count is part of the data: another eval.frechet_samples is another reference set; so are the clip
        // options and the seed that place each held-out clip.
        string clips = _spec.Data.Clip is { } c ? $":clip {c.Frames}/{c.Stride}/{c.Fps}/{c.Pad} seed {_spec.Run.Seed}" : "";
        var key = new ReferenceKey(
            $"{ReferenceKey.Fingerprint(_heldOut.Files)}:{_heldOut.Captions.Count}{clips}", _extractor.Name, _spec.Data.ImageSize);
        var reference = _references.GetOrCompute(key, Compute);
        if (reference.Note is not null)
        {
            notes.Add(reference.Note);
        }
        return _realStatistics = reference.Statistics;
    }

    public void Dispose()
    {
        _heldOut.Dispose();
        _extractor.Dispose();
        _clip?.Dispose();
    }
}

/// <summary>What an evaluation produced.</summary>
/// <param name="Step">The checkpoint's step.</param>
/// <param name="GridPath">The sample grid of eval.prompts (a frame strip for clips, with the GIFs in <see cref="SampleFiles.ClipFolder"/>).</param>
/// <param name="Metrics">Metric name (fid or frechet-..., clip_score) to value.</param>
/// <param name="FrechetMetric">Which entry of <paramref name="Metrics"/> is the Frechet distance.</param>
/// <param name="Extractor">The feature extractor's full name.</param>
/// <param name="Notes">Things for the log, such as reference statistics that had to be recomputed.</param>
public sealed record EvaluationResult(
    long Step, string GridPath, IReadOnlyDictionary<string, double> Metrics, string FrechetMetric, string Extractor, IReadOnlyList<string> Notes)
{
    /// <summary>The Frechet distance on <see cref="Extractor"/>'s features.</summary>
    public double FrechetDistance => Metrics[FrechetMetric];
}
