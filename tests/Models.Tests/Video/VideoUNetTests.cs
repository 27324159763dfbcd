using Orchestrator.Core.Safetensors;
using Orchestrator.Models.Diffusion;
using Orchestrator.Models.Networks;
using Orchestrator.Models.Networks.Video;
using Orchestrator.Models.Sampling;
using Orchestrator.Models.State;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests.Video;

public sealed class VideoUNetTests
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public void Started_from_an_image_model_it_predicts_what_the_image_model_does_frame_by_frame()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        using var clips = TinyModel.Images(2, 4, seed: 2);
        using var t = tensor(new long[] { 10, 700 });
        using var tokens = TinyModel.Tokens([1, 5], [1, 6, 7]);

        using var expected = image.call(clips, t, tokens);
        using var actual = video.call(clips, t, tokens);

        Assert.True(expected.abs().max().item<float>() > 1e-3f, "the image model predicts something");
        Assert.True(actual.allclose(expected, rtol: 0, atol: Tolerance),
            $"largest difference {actual.sub(expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Weights_of_a_unet2d_checkpoint_file_load_into_the_spatial_layers()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"vmodel-{Guid.NewGuid():N}")).FullName;
        try
        {
            using var image = TinyModel.CreateNonZero(seed: 4);
            var file = Path.Combine(folder, "model.safetensors");
            SafetensorsFile.Write(file, ModuleState.Capture(image), new Dictionary<string, string>());
            torch.manual_seed(9);
            using var video = (VideoUNet)ModelFactory.Create(TinyVideoModel.Section(), TinyModel.Vocabulary,
                TinyModel.MaxTokens, TinyModel.ImageSize);
            using var clips = TinyModel.Images(1, 3, seed: 5);
            using var t = tensor(new long[] { 400 });
            using var tokens = TinyModel.Tokens([1, 3]);

            video.LoadImageWeights(SafetensorsFile.Read(file));

            using var expected = image.call(clips, t, tokens);
            using var actual = video.call(clips, t, tokens);
            Assert.True(actual.allclose(expected, rtol: 0, atol: Tolerance));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Image_weights_of_another_shape_are_refused_naming_the_source_and_tensor()
    {
        torch.manual_seed(1);
        var wider = TinyModel.Section() with { BaseChannels = 16 };
        using var image = ModelFactory.Create(wider, TinyModel.Vocabulary, TinyModel.MaxTokens, TinyModel.ImageSize);

        var error = Assert.Throws<InvalidDataException>(() => TinyVideoModel.FromImage(image));

        Assert.Contains("image model", error.Message, StringComparison.Ordinal);
        Assert.Contains("time_embedding.linear_1.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("has shape [64, 16]; expected [32, 8]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_weights_holding_a_tensor_the_video_model_lacks_are_refused()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        var tensors = ModuleState.Capture(image);
        tensors.Add(new("down_blocks.0.temporal_convs.0.conv.weight", tensors[0].Value));
        using var video = TinyVideoModel.FromImage(image);

        var error = Assert.Throws<InvalidDataException>(
            () => video.LoadImageWeights(new SafetensorsContent("other.safetensors", tensors, new Dictionary<string, string>())));

        Assert.Contains("other.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("down_blocks.0.temporal_convs.0.conv.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_temporal_layers_at_zero_each_output_frame_depends_only_on_its_own_input_frame()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        var changes = PerturbFrame(video, frame: 1, isImage: null);

        Assert.True(changes[0, 1] > 1e-3f, "the perturbed frame's output changes");
        Assert.Equal(0f, changes[0, 0]);
        Assert.Equal(0f, changes[0, 2]);
        Assert.Equal(0f, changes[0, 3]);
    }

    [Fact]
    public void With_temporal_layers_trained_every_output_frame_depends_on_the_other_frames()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        TinyVideoModel.RandomizeTemporal(video, seed: 3);

        var changes = PerturbFrame(video, frame: 1, isImage: null);

        for (var f = 0; f < 4; f++)
        {
            Assert.True(changes[0, f] > 1e-4f, $"output frame {f} changes by {changes[0, f]}");
        }
    }

    [Fact]
    public void Is_image_mask_stops_temporal_mixing_for_image_samples_only()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        TinyVideoModel.RandomizeTemporal(video, seed: 3);
        using var isImage = tensor(new[] { false, true });

        var changes = PerturbFrame(video, frame: 1, isImage);

        Assert.True(changes[0, 0] > 1e-4f && changes[0, 2] > 1e-4f, "the video sample's frames mix");
        Assert.True(changes[1, 1] > 1e-3f, "the image sample's perturbed frame changes");
        Assert.Equal(0f, changes[1, 0]);
        Assert.Equal(0f, changes[1, 2]);
        Assert.Equal(0f, changes[1, 3]);
    }

    [Fact]
    public void An_image_repeated_in_a_clip_batch_gets_its_one_frame_prediction_in_every_frame()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        TinyVideoModel.RandomizeTemporal(video, seed: 3);
        using var clip = TinyModel.Images(1, 3, seed: 2);
        using var still = TinyModel.Images(1, 1, seed: 6);
        using var batch = cat([clip, still.expand(1, 3, 3, TinyModel.ImageSize, TinyModel.ImageSize)], 0);
        using var t = tensor(new long[] { 300, 300 });
        using var tokens = TinyModel.Tokens([1, 5], [1, 5]);
        using var isImage = tensor(new[] { false, true });

        using var mixed = video.forward(batch, t, tokens, isImage);
        using var alone = video.call(still, t[1..2], tokens[1..2]);
        using var byImageModel = image.call(still, t[1..2], tokens[1..2]);

        Assert.True(alone.allclose(byImageModel, rtol: 0, atol: Tolerance), "one-frame clips skip the temporal layers");
        for (var f = 0; f < 3; f++)
        {
            Assert.True(mixed[1..2, .., f..(f + 1)].allclose(alone, rtol: 0, atol: Tolerance), $"frame {f}");
        }
    }

    [Fact]
    public void Training_on_a_tiny_clip_batch_lowers_the_loss()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        var objective = new DiffusionObjective(NoiseSchedule.Linear(1000), cfgDropout: 0, TinyModel.EmptyCaption, runSeed: 5);
        using var clips = TinyModel.Images(2, 4, seed: 2);
        using var tokens = TinyModel.Tokens([1, 5], [1, 6]);
        using var optimizer = optim.AdamW(video.parameters(), lr: 3e-3);
        long[] indices = [0, 1];

        var losses = new List<float>();
        for (var step = 0; step < 8; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = objective.SumLoss(video, clips, tokens, epoch: 0, indices);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        Assert.True(losses[^1] < 0.9f * losses[0], $"losses {string.Join(", ", losses)}");
        var temporalMoved = video.named_parameters()
            .Where(p => VideoUNet.IsTemporal(p.name) && p.name.EndsWith("to_out.weight", StringComparison.Ordinal))
            .Any(p => p.parameter.abs().max().item<float>() > 0);
        Assert.True(temporalMoved, "the temporal attention's output projections train");
    }

    [Fact]
    public void Parameters_grow_over_the_image_model_only_by_the_temporal_layers()
    {
        using var image = TinyModel.Create(seed: 1);
        using var video = TinyVideoModel.FromImage(image);

        var imageShapes = image.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var videoParameters = video.named_parameters().ToList();
        var spatial = videoParameters.Where(p => !VideoUNet.IsTemporal(p.name)).ToList();
        var temporal = videoParameters.Where(p => VideoUNet.IsTemporal(p.name)).ToList();

        Assert.Equal(imageShapes.Keys.Order(), spatial.Select(p => p.name).Order());
        Assert.All(spatial, p => Assert.Equal(imageShapes[p.name], p.parameter.shape));
        Assert.NotEmpty(temporal);
        Assert.Contains(temporal, p => p.name == "down_blocks.0.temporal_convs.0.conv.weight");
        Assert.Contains(temporal, p => p.name == "down_blocks.1.temporal_attentions.0.relative_position_bias.weight");
        Assert.Contains(temporal, p => p.name == "mid_block.temporal_attention.to_out.weight");
        var imageCount = image.parameters().Sum(p => p.numel());
        var videoCount = video.parameters().Sum(p => p.numel());
        Assert.Equal(temporal.Sum(p => p.parameter.numel()), videoCount - imageCount);
    }

    [Fact]
    public void Relative_position_bias_weights_frames_by_their_offset()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        TinyVideoModel.RandomizeTemporal(video, seed: 3);
        using var clips = TinyModel.Images(1, 3, seed: 2);
        using var t = tensor(new long[] { 300 });
        using var tokens = TinyModel.Tokens([1, 5]);
        using var before = video.call(clips, t, tokens);
        using (no_grad())
        {
            foreach (var (name, parameter) in video.named_parameters())
            {
                if (name.EndsWith("relative_position_bias.weight", StringComparison.Ordinal))
                {
                    parameter.zero_();
                }
            }
        }

        using var after = video.call(clips, t, tokens);

        Assert.False(after.allclose(before, rtol: 0, atol: Tolerance), "the learned bias is used");
    }

    [Fact]
    public void Ddim_draws_clips_from_a_video_model_and_each_sample_alone_is_the_same()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        TinyVideoModel.RandomizeTemporal(video, seed: 3);
        var sampler = new DdimSampler(NoiseSchedule.Linear(1000), eta: 0);
        using var pair = TinyModel.Tokens([1, 5], [1, 6]);
        var shape = (Channels: 3, Frames: 4, Height: TinyModel.ImageSize, Width: TinyModel.ImageSize);

        using var clips = sampler.Sample(video, pair, TinyModel.EmptyCaption, [10, 20], shape, 2.0, 3);
        using var second = sampler.Sample(video, pair[1..2], TinyModel.EmptyCaption, [20], shape, 2.0, 3);

        Assert.Equal([2L, 3, 4, TinyModel.ImageSize, TinyModel.ImageSize], clips.shape);
        Assert.True(clips.isfinite().all().item<bool>());
        Assert.True(clips[1..2].allclose(second, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Factory_builds_a_video_unet_for_its_kind()
    {
        torch.manual_seed(1);
        using var model = ModelFactory.Create(TinyVideoModel.Section(), TinyModel.Vocabulary, TinyModel.MaxTokens,
            TinyModel.ImageSize);

        Assert.IsType<VideoUNet>(model);
    }

    [Fact]
    public void Factory_rejects_temporal_heads_that_do_not_divide_a_level_width()
    {
        var section = TinyVideoModel.Section() with { TemporalAttentionHeads = 3 };

        var error = Assert.Throws<ArgumentException>(
            () => ModelFactory.Create(section, TinyModel.Vocabulary, TinyModel.MaxTokens, TinyModel.ImageSize));

        Assert.Contains("model.temporal_attention_heads", error.Message, StringComparison.Ordinal);
        Assert.Contains("3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_rejects_a_max_frame_distance_below_one()
    {
        var section = TinyVideoModel.Section() with { MaxFrameDistance = 0 };

        var error = Assert.Throws<ArgumentException>(
            () => ModelFactory.Create(section, TinyModel.Vocabulary, TinyModel.MaxTokens, TinyModel.ImageSize));

        Assert.Contains("model.max_frame_distance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_rejects_an_is_image_mask_of_the_wrong_shape()
    {
        using var image = TinyModel.Create(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        using var clips = TinyModel.Images(2, 2, seed: 2);
        using var t = tensor(new long[] { 1, 2 });
        using var tokens = TinyModel.Tokens([1], [1]);
        using var isImage = tensor(new[] { true, false, true });

        var error = Assert.Throws<ArgumentException>(() => video.forward(clips, t, tokens, isImage));

        Assert.Contains("is_image", error.Message, StringComparison.Ordinal);
        Assert.Contains("(2)", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Output change per sample and frame, (2, 4), when input frame <paramref name="frame"/> of both samples moves.</summary>
    private static float[,] PerturbFrame(VideoUNet video, int frame, Tensor? isImage)
    {
        using var noGrad = no_grad();
        using var clips = TinyModel.Images(2, 4, seed: 2);
        using var t = tensor(new long[] { 200, 200 });
        using var tokens = TinyModel.Tokens([1, 5], [1, 6]);
        using var moved = clips.clone();
        using var noise = TinyModel.Images(2, 1, seed: 8);
        moved[.., .., frame..(frame + 1)].add_(noise);

        using var before = video.forward(clips, t, tokens, isImage);
        using var after = video.forward(moved, t, tokens, isImage);
        return TinyVideoModel.FrameDifferences(before, after);
    }
}
