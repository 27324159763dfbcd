using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Safetensors;
using Orchestrator.Models.Networks;
using Orchestrator.Models.Networks.Video;
using Orchestrator.Models.State;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests.Video;

/// <summary>model.init_from: starting a network from a checkpoint folder or a safetensors file.</summary>
public sealed class InitialWeightsTests : IDisposable
{
    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"init-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_video_unet_started_from_a_unet2d_checkpoint_folder_predicts_what_its_ema_weights_do()
    {
        using var live = TinyModel.CreateNonZero(seed: 1);
        using var ema = TinyModel.CreateNonZero(seed: 2);
        string checkpoint = SaveCheckpoint(live, ema);
        using var video = NewVideo(seed: 7);

        InitialWeights.Apply(video, checkpoint);

        using var clips = TinyModel.Images(2, 3, seed: 3);
        using var t = tensor(new long[] { 5, 600 });
        using var tokens = TinyModel.Tokens([1, 4], [1, 2, 3]);
        using var expected = ema.call(clips, t, tokens);
        using var actual = video.call(clips, t, tokens);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-5), $"largest difference {actual.sub(expected).abs().max().item<float>()}");
        using var fromLive = live.call(clips, t, tokens);
        Assert.False(actual.allclose(fromLive, rtol: 0, atol: 1e-5), "the folder's EMA weights are taken, not model.safetensors");
    }

    [Fact]
    public void A_unet2d_started_from_a_safetensors_file_holds_its_weights_exactly()
    {
        using var source = TinyModel.CreateNonZero(seed: 4);
        string file = Path.Combine(_folder, "model.safetensors");
        SafetensorsFile.Write(file, ModuleState.Capture(source), new Dictionary<string, string>());
        using var model = TinyModel.Create(seed: 5);

        InitialWeights.Apply(model, file);

        foreach (var ((name, expected), (_, actual)) in source.state_dict().Zip(model.state_dict()))
        {
            Assert.True(TinyModel.Identical(expected, actual), name);
        }
    }

    [Fact]
    public void A_tensor_of_another_shape_is_an_error_naming_the_key_the_file_and_the_tensor()
    {
        var wider = TinyModel.Section() with { BaseChannels = 16 };
        torch.manual_seed(1);
        using var image = ModelFactory.Create(wider, TinyModel.Vocabulary, TinyModel.MaxTokens, TinyModel.ImageSize);
        string file = Path.Combine(_folder, "wide.safetensors");
        SafetensorsFile.Write(file, ModuleState.Capture(image), new Dictionary<string, string>());
        using var video = NewVideo(seed: 2);

        var e = Assert.Throws<InvalidDataException>(() => InitialWeights.Apply(video, file));

        Assert.StartsWith("model.init_from: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Matches("tensor '[a-z_.0-9]+' has shape \\[[0-9, ]+\\]; expected \\[[0-9, ]+\\]", e.Message);
    }

    [Fact]
    public void A_video_unet_file_given_to_a_unet2d_is_refused_naming_a_temporal_tensor()
    {
        using var video = NewVideo(seed: 3);
        string file = Path.Combine(_folder, "video.safetensors");
        SafetensorsFile.Write(file, ModuleState.Capture(video), new Dictionary<string, string>());
        using var image = TinyModel.Create(seed: 4);

        var e = Assert.Throws<InvalidDataException>(() => InitialWeights.Apply(image, file));

        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Matches("tensor '[a-z_.0-9]*temporal_[a-z_.0-9]+' is not a parameter of this", e.Message);
    }

    [Fact]
    public void A_video_unet_checkpoint_starts_a_video_unet_with_its_temporal_layers()
    {
        using var trained = NewVideo(seed: 3);
        TinyVideoModel.RandomizeTemporal(trained, seed: 5);
        string checkpoint = SaveCheckpoint(trained, trained);
        using var video = NewVideo(seed: 6);

        InitialWeights.Apply(video, checkpoint);

        foreach (var ((name, expected), (_, actual)) in trained.state_dict().Zip(video.state_dict()))
        {
            Assert.True(TinyModel.Identical(expected, actual), name);
        }
    }

    [Fact]
    public void A_missing_path_and_a_damaged_checkpoint_are_errors_naming_the_file()
    {
        using var video = NewVideo(seed: 1);
        string missing = Path.Combine(_folder, "nowhere", "model.safetensors");

        var absent = Assert.Throws<InvalidDataException>(() => InitialWeights.Apply(video, missing));
        Assert.Contains(missing, absent.Message, StringComparison.Ordinal);
        Assert.Contains("expected a checkpoint folder", absent.Message, StringComparison.Ordinal);

        using var image = TinyModel.CreateNonZero(seed: 2);
        string checkpoint = SaveCheckpoint(image, image);
        string ema = Path.Combine(checkpoint, InitialWeights.CheckpointFile);
        byte[] bytes = File.ReadAllBytes(ema);
        bytes[^1] ^= 0x5A;
        File.WriteAllBytes(ema, bytes);
        var damaged = Assert.Throws<InvalidDataException>(() => InitialWeights.Apply(video, checkpoint));
        Assert.StartsWith("model.init_from: ", damaged.Message, StringComparison.Ordinal);
        Assert.Contains(InitialWeights.CheckpointFile, damaged.Message, StringComparison.Ordinal);
    }

    private static VideoUNet NewVideo(long seed)
    {
        torch.manual_seed(seed);
        return (VideoUNet)ModelFactory.Create(TinyVideoModel.Section(), TinyModel.Vocabulary, TinyModel.MaxTokens, TinyModel.ImageSize);
    }

    private string SaveCheckpoint(nn.Module model, nn.Module ema)
    {
        var store = new CheckpointStore(Path.Combine(_folder, "checkpoints"), keepLast: 5);
        store.Save(new CheckpointContent
        {
            Step = 10,
            Files = new Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>>
            {
                ["model.safetensors"] = ModuleState.Capture(model),
                [InitialWeights.CheckpointFile] = ModuleState.Capture(ema),
            },
        });
        return Path.Combine(_folder, "checkpoints", "step-00000010");
    }
}
