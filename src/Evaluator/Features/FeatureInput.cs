using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features;

/// <summary>The checks every extractor makes on its input: (n, 3, H, W), floating, finite, in [-1, 1].</summary>
internal static class FeatureInput
{
    // Samplers clamp to [-1, 1]; allow float rounding, reject other ranges such as [0, 1] bytes scaled to 255.
    private const double RangeTolerance = 1e-3;

    /// <summary>A float32 CPU copy of checked images, owned by the current dispose scope.</summary>
    public static Tensor ToCheckedFloat(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Images have shape [{string.Join(", ", images.shape)}]; expected (n, 3, H, W).", nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"Images have dtype {images.dtype}; expected a floating type in [-1, 1].", nameof(images));

        var x = images.detach().to(CPU).to_type(ScalarType.Float32);
        if (x.numel() > 0)
        {
            if (!isfinite(x).all().item<bool>())
                throw new ArgumentException("Images contain NaN or infinite values; expected values in [-1, 1].", nameof(images));
            double min = x.min().item<float>();
            double max = x.max().item<float>();
            if (min < -1 - RangeTolerance || max > 1 + RangeTolerance)
            {
                throw new ArgumentException(
                    $"Images range over [{min:G4}, {max:G4}]; expected [-1, 1] (clamp samples before extracting features).", nameof(images));
            }
        }
        return x;
    }
}
