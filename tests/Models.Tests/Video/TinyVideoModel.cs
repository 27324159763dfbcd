using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Networks;
using Orchestrator.Models.Networks.Video;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests.Video;

/// <summary>Video UNets of <see cref="TinyModel"/>'s size (8x8 frames, two levels, attention at 4 px).</summary>
internal static class TinyVideoModel
{
    public static ModelSection Section() => TinyModel.Section("video-unet");

    /// <summary>The video UNet started from <see cref="TinyModel.CreateNonZero"/>'s image model.</summary>
    public static VideoUNet FromImage(DiffusionModel image) =>
        VideoUNet.FromImageModel(image, Section(), TinyModel.Vocabulary, TinyModel.MaxTokens, TinyModel.ImageSize);

    /// <summary>Gives every temporal parameter that starts at zero random values, so that the temporal layers mix frames.</summary>
    public static void RandomizeTemporal(nn.Module model, long seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (VideoUNet.IsTemporal(name) && parameter.eq(0).all().item<bool>())
            {
                using var values = randn(parameter.shape, generator: generator).mul_(0.2);
                parameter.copy_(values);
            }
        }
    }

    /// <summary>Largest absolute difference per frame of two (B, C, F, H, W) tensors: (B, F).</summary>
    public static float[,] FrameDifferences(Tensor a, Tensor b)
    {
        using var difference = a.sub(b).abs().amax([1, 3, 4]);
        var result = new float[difference.shape[0], difference.shape[1]];
        for (var i = 0; i < difference.shape[0]; i++)
        {
            for (var f = 0; f < difference.shape[1]; f++)
            {
                result[i, f] = difference[i, f].item<float>();
            }
        }

        return result;
    }
}
