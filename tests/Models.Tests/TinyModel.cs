using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests;

/// <summary>A UNet small enough for tests: 8x8 images, two levels, attention at 4 px.</summary>
internal static class TinyModel
{
    public const int ImageSize = 8;
    public const int Vocabulary = 32;
    public const int MaxTokens = 6;
    public static readonly long[] EmptyCaption = [1];

    public static ModelSection Section(string kind = "unet2d") => new()
    {
        Kind = kind,
        InChannels = 3,
        BaseChannels = 8,
        ChannelMultipliers = [1, 2],
        AttentionResolutions = [4],
        ResBlocksPerLevel = 1,
        AttentionHeads = 2,
        TextEncoder = new TextEncoderSection { Width = 16, Layers = 1, Heads = 2 },
    };

    public static DiffusionModel Create(long seed)
    {
        torch.manual_seed(seed);
        return ModelFactory.Create(Section(), Vocabulary, MaxTokens, ImageSize);
    }

    /// <summary>A model whose zero-initialised output conv is randomised, so that it predicts something.</summary>
    public static DiffusionModel CreateNonZero(long seed)
    {
        var model = Create(seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.StartsWith("conv_out.", StringComparison.Ordinal))
            {
                nn.init.normal_(parameter, 0, 0.1);
            }
        }

        return model;
    }

    /// <summary>Random clean samples in [-1, 1], (n, 3, frames, 8, 8).</summary>
    public static Tensor Images(long n, long frames, long seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        return rand([n, 3, frames, ImageSize, ImageSize], generator: generator) * 2 - 1;
    }

    /// <summary>Captions of a begin token (1) and words, zero-padded to MaxTokens.</summary>
    public static Tensor Tokens(params long[][] rows) =>
        tensor(rows.SelectMany(r => r.Concat(Enumerable.Repeat(0L, MaxTokens - r.Length))).ToArray(), int64)
            .reshape(rows.Length, MaxTokens);

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
