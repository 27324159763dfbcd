using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>Norm layers with their affine parameters set explicitly.</summary>
/// <remarks>
/// TorchSharp 0.107's GroupNorm came up with NaN or huge weights on these machines (DESIGN.md, "Facts about
/// the parts"), so every norm layer here starts at weight 1, bias 0, as PyTorch's would.
/// </remarks>
internal static class Normalization
{
    /// <summary>GroupNorm over channels, with the group count of <see cref="GroupCount"/>.</summary>
    public static GroupNorm Group(long channels)
    {
        var norm = nn.GroupNorm(GroupCount(channels), channels, eps: 1e-6);
        Reset(norm.weight, norm.bias);
        return norm;
    }

    /// <summary>LayerNorm over the last dimension.</summary>
    public static LayerNorm Layer(long features)
    {
        var norm = nn.LayerNorm(features);
        Reset(norm.weight, norm.bias);
        return norm;
    }

    /// <summary>
    /// Up to 32 groups (Wu and He, 2018) but at least 4 channels a group, so that the narrow layers of small
    /// models do not degenerate into per-channel (instance) normalisation.
    /// </summary>
    public static long GroupCount(long channels)
    {
        for (var groups = Math.Min(32L, channels / 4); groups > 1; groups--)
        {
            if (channels % groups == 0)
            {
                return groups;
            }
        }

        return 1;
    }

    private static void Reset(Tensor? weight, Tensor? bias)
    {
        using var noGrad = no_grad();
        if (weight is not null)
        {
            nn.init.ones_(weight);
        }

        if (bias is not null)
        {
            nn.init.zeros_(bias);
        }
    }
}
