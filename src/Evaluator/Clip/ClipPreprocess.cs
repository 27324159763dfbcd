using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// CLIP's image preprocessing (CLIPImageProcessor): shortest side resized to S with bicubic interpolation,
/// centre crop S x S, then normalised by CLIP's channel mean and std. Works on tensors: antialiased bicubic
/// stands in for PIL's bicubic resize, and values are clamped to [0, 1] as 8-bit pixels would be.
/// </summary>
internal static class ClipPreprocess
{
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>(n, 3, H, W) in [-1, 1] -> (n, 3, S, S) CLIP-normalised.</summary>
    public static Tensor Apply(Tensor images, int size)
    {
        using var scope = NewDisposeScope();
        using var one = 1.0.ToScalar();
        using var half = 0.5.ToScalar();
        using var zero = 0.0.ToScalar();
        var x = images.add(one).mul(half);                                   // [0, 1]
        long height = x.shape[2], width = x.shape[3];
        // Shortest side to S, the other in proportion (truncated, as transformers does).
        long newHeight = height <= width ? size : (long)(size * (double)height / width);
        long newWidth = height <= width ? (long)(size * (double)width / height) : size;
        if (newHeight != height || newWidth != width)
        {
            x = nn.functional.interpolate(x, size: [newHeight, newWidth], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true)
                .clamp(zero, one);
        }
        long top = (newHeight - size) / 2, left = (newWidth - size) / 2;
        x = x.narrow(2, top, size).narrow(3, left, size);
        var mean = tensor(Mean).view(1, 3, 1, 1);
        var std = tensor(Std).view(1, 3, 1, 1);
        return x.sub(mean).div(std).contiguous().MoveToOuterDisposeScope();
    }
}
