using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Evaluation;
using Orchestrator.Evaluator.Tests.Clip;
using Orchestrator.Models.Networks;
using Orchestrator.Models.State;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Evaluation;

/// <summary>A tiny model's checkpoint evaluated with the metrics the spec asks for (random-conv features, a tiny random CLIP).</summary>
public sealed class CheckpointEvaluationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Metrics_hold_the_frechet_distance_of_the_extractor_and_the_clip_score_and_reference_statistics_are_cached()
    {
        Directory.CreateDirectory(_folder.File("clip"));
        var clip = TinyClip.Write(_folder.File("clip"));
        var spec = Spec($"clip: {{ weights: {clip.Weights} }}");
        string checkpoint = SaveCheckpoint(spec);

        EvaluationResult first;
        using (var evaluation = new CheckpointEvaluation(spec, HeldOut(), _folder.File("grids")))
        {
            Assert.Contains(evaluation.Statuses, s => s.Metric == "fid" && !s.Enabled);
            Assert.Contains(evaluation.Statuses, s => s.Metric == "clip_score" && s.Enabled);
            first = evaluation.Evaluate(checkpoint);
        }

        Assert.Equal(3, first.Step);
        Assert.StartsWith("frechet-random-conv", first.FrechetMetric, StringComparison.Ordinal);
        Assert.Equal(new[] { "clip_score", first.FrechetMetric }, first.Metrics.Keys.Order(StringComparer.Ordinal));
        Assert.True(first.FrechetDistance >= 0 && double.IsFinite(first.FrechetDistance));
        Assert.True(File.Exists(first.GridPath));
        var cached = Assert.Single(Directory.GetFiles(_folder.File("references")));

        // Another evaluator (process) with the same data and extractor reads the statistics from the cache.
        File.SetLastWriteTimeUtc(cached, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        using (var again = new CheckpointEvaluation(spec, HeldOut(), _folder.File("grids")))
        {
            var second = again.Evaluate(checkpoint);
            Assert.Equal(first.FrechetDistance, second.FrechetDistance, 1e-9);
            Assert.Equal(first.Metrics["clip_score"], second.Metrics["clip_score"], 1e-9);
        }
        Assert.Equal(new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(cached));
    }

    [Fact]
    public void Without_clip_weights_the_clip_score_is_off_and_says_how_to_turn_it_on()
    {
        var spec = Spec("");
        string checkpoint = SaveCheckpoint(spec);

        using var evaluation = new CheckpointEvaluation(spec, HeldOut(), _folder.File("grids"));
        var result = evaluation.Evaluate(checkpoint);

        var off = Assert.Single(evaluation.Statuses, s => s.Metric == "clip_score");
        Assert.False(off.Enabled);
        Assert.Contains("eval.clip.weights", off.Reason, StringComparison.Ordinal);
        Assert.Equal(new[] { result.FrechetMetric }, result.Metrics.Keys);
    }

    [Fact]
    public void A_video_checkpoint_gives_a_frame_strip_gifs_the_frechet_distance_of_frames_and_the_per_frame_clip_score()
    {
        Directory.CreateDirectory(_folder.File("clip"));
        var clip = TinyClip.Write(_folder.File("clip"));
        var spec = Spec($"clip: {{ weights: {clip.Weights} }}", video: true);
        string checkpoint = SaveCheckpoint(spec);

        using var evaluation = new CheckpointEvaluation(spec, HeldOut(frames: 3), _folder.File("grids"));
        var result = evaluation.Evaluate(checkpoint);

        Assert.Matches("^frechet-random-conv.*-frames$", result.FrechetMetric);
        Assert.Equal(new[] { "clip_score", result.FrechetMetric }, result.Metrics.Keys.Order(StringComparer.Ordinal));
        Assert.True(double.IsFinite(result.FrechetDistance) && result.FrechetDistance >= 0);
        Assert.DoesNotContain(evaluation.Statuses, s => s.Metric == "fid");
        var fvd = Assert.Single(evaluation.Statuses, s => s.Metric == "fvd");
        Assert.False(fvd.Enabled);
        Assert.Contains("I3D", fvd.Reason, StringComparison.Ordinal);
        Assert.Contains("docs/video.md", fvd.Reason, StringComparison.Ordinal);
        Assert.Contains("every frame", Assert.Single(evaluation.Statuses, s => s.Metric == "clip_score").Reason, StringComparison.Ordinal);

        using (var strip = SkiaSharp.SKBitmap.Decode(result.GridPath))
        {
            // One row per prompt with its 3 frames across: wider than high.
            Assert.True(strip.Width > strip.Height, $"{strip.Width}x{strip.Height}");
        }

        string[] gifs = Directory.GetFiles(Orchestrator.Evaluator.Grids.SampleFiles.ClipFolder(result.GridPath), "*.gif").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["clip-0.gif", "clip-1.gif"], gifs.Select(Path.GetFileName));
        using var codec = SkiaSharp.SKCodec.Create(gifs[0]);
        Assert.Equal(3, codec.FrameCount);
    }

    private RunSpec Spec(string clip, bool video = false) => RunSpecLoader.Parse($$"""
        run: { name: eval-tests, seed: 3, output_dir: {{_folder.File("out")}} }
        data:
          train: [{ shards: {{_folder.File("shards")}}, layout: {{(video ? "video2dataset" : "img2dataset")}} }]
          image_size: 16
          max_caption_tokens: 8
          vocabulary_size: 64
          {{(video ? "clip: { frames: 3 }" : "")}}
        model:
          kind: {{(video ? "video-unet" : "unet2d")}}
          base_channels: 8
          channel_multipliers: [1, 2]
          attention_resolutions: [8]
          attention_heads: 2
          text_encoder: { width: 16, layers: 1, heads: 2 }
        train: { global_batch: 8, micro_batch: 2, steps: 3 }
        eval:
          prompts: [a red circle, a blue square]
          sampler: { kind: ddim, steps: 2, guidance: 2.0 }
          frechet_samples: 6
          extractor: random-conv
          reference_cache: {{_folder.File("references")}}
          {{clip}}
        """, "eval-tests.yaml");

    private string SaveCheckpoint(RunSpec spec)
    {
        torch.manual_seed(11);
        using var model = ModelFactory.Create(spec.Model, spec.Data.VocabularySize, spec.Data.MaxCaptionTokens, spec.Data.ImageSize);
        var weights = ModuleState.Capture(model);
        var store = new CheckpointStore(_folder.File("checkpoints"));
        return store.Save(new CheckpointContent
        {
            Step = 3,
            RunName = "eval-tests",
            Files = new Dictionary<string, IReadOnlyList<KeyValuePair<string, Core.Safetensors.SafeTensor>>>
            {
                ["model.safetensors"] = weights,
                ["ema.safetensors"] = weights,
            },
        }).Path;
    }

    // frames > 1: the frames of 6 held-out clips, (6*F, 3, 16, 16), with the clips' captions.
    private HeldOutImages HeldOut(int frames = 1)
    {
        string shard = _folder.File("validation.parquet");
        if (!File.Exists(shard))
        {
            File.WriteAllText(shard, "stands in for a validation shard: only its path, size and time key the cache");
        }
        var generator = new torch.Generator(5);
        var images = torch.rand([6 * frames, 3, 16, 16], generator: generator) * 2 - 1;
        string[] captions = ["a red circle", "a blue square", "a green triangle", "a red square", "a blue circle", "a yellow square"];
        return new HeldOutImages(images, captions, [shard]);
    }
}
