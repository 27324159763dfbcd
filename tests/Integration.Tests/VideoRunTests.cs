using SkiaSharp;

namespace Orchestrator.Integration.Tests;

/// <summary>A tiny text-to-video run through the real executable: synthetic mp4 shards, training, evaluation, sampling, init_from.</summary>
[Collection("processes")]
public sealed class VideoRunTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Video_run_writes_checkpoints_a_frame_strip_and_gifs_and_sample_and_init_from_work_on_its_checkpoint()
    {
        using var folder = new TemporaryFolder();
        string spec = WriteSpec(folder, "video.yaml", baseChannels: 8, extra: "");

        var train = await OrchestratorProcess.RunAsync(folder.Path, Limit, "train", "--config", spec);

        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        Assert.Contains("synthetic caption-video dataset", train.Output);
        Assert.Contains("video rows skipped: none", train.Output);
        string checkpoint = Path.Combine(folder.Path, "out", "checkpoints", "step-00000002");
        Assert.True(File.Exists(Path.Combine(checkpoint, "ema.safetensors")), train.Output);
        string strip = Path.Combine(folder.Path, "out", "samples", "step-00000002.png");
        AssertStripAndGifs(strip, Path.Combine(folder.Path, "out", "samples", "step-00000002"), prompts: 2, frames: 4);
        string evaluation = File.ReadAllLines(Path.Combine(folder.Path, "out", "metrics.jsonl"))
            .Single(line => line.Contains("\"event\":\"evaluation\"", StringComparison.Ordinal));
        Assert.Matches("\"frechet_metric\":\"frechet-random-conv[^\"]*-frames\"", evaluation);

        string sampled = Path.Combine(folder.Path, "sampled.png");
        var sample = await OrchestratorProcess.RunAsync(
            folder.Path, Limit, "sample", "--checkpoint", checkpoint, "--prompt", "a red circle moving up", "--steps", "2", "--out", sampled);
        Assert.True(sample.ExitCode == 0, sample.Output + sample.Error);
        AssertStripAndGifs(sampled, Path.Combine(folder.Path, "sampled"), prompts: 1, frames: 4);

        // Its weights do not fit a wider model: the error names the key, the file and a tensor.
        string wider = WriteSpec(folder, "wider.yaml", baseChannels: 16, extra: $"init_from: {checkpoint}");
        var refused = await OrchestratorProcess.RunAsync(folder.Path, Limit, "train", "--config", wider);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("model.init_from: ", refused.Error);
        Assert.Contains(Path.Combine(checkpoint, "ema.safetensors"), refused.Error);
        Assert.Matches("tensor '[a-z_.0-9]+' has shape", refused.Error);
    }

    private static void AssertStripAndGifs(string strip, string gifFolder, int prompts, int frames)
    {
        using (var bitmap = SKBitmap.Decode(strip))
        {
            Assert.NotNull(bitmap);
            Assert.True(bitmap.Width > bitmap.Height / prompts, $"a row of {frames} frames per prompt, got {bitmap.Width}x{bitmap.Height}");
        }

        string[] gifs = Directory.GetFiles(gifFolder, "*.gif").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(prompts, gifs.Length);
        foreach (string gif in gifs)
        {
            using var codec = SKCodec.Create(gif);
            Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
            Assert.Equal(frames, codec.FrameCount);
        }
    }

    private static string WriteSpec(TemporaryFolder folder, string name, int baseChannels, string extra)
    {
        string path = folder.File(name);
        File.WriteAllText(path, $$"""
            run: { name: tiny-video, seed: 5, output_dir: out }
            data:
              train: [{ shards: shards/train, layout: video2dataset }]
              validation: [{ shards: shards/validation, layout: video2dataset }]
              image_size: 16
              max_caption_tokens: 8
              vocabulary_size: 64
              decode_threads: 1
              clip: { frames: 4, stride: 1 }
              synthetic: { train_dir: shards/train, validation_dir: shards/validation, train_rows: 16, validation_rows: 4, rows_per_shard: 8, row_group_size: 4, image_size: 16, video: { frames: 6, fps: 8 } }
            model:
              kind: video-unet
              base_channels: {{baseChannels}}
              channel_multipliers: [1, 2]
              attention_resolutions: [8]
              attention_heads: 2
              text_encoder: { width: 16, layers: 1, heads: 2 }
              max_frame_distance: 4
              {{extra}}
            train: { global_batch: 4, micro_batch: 2, steps: 2, optimizer: { lr: 0.002 } }
            cluster: { workers_per_node: 2 }
            checkpoint: { every_steps: 2, keep_last: 2 }
            eval:
              prompts: [a red circle moving left to right, a blue square growing]
              sampler: { kind: ddim, steps: 2, guidance: 2.0 }
              frechet_samples: 4
              extractor: random-conv
            """);
        return path;
    }
}
