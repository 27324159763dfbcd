using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// CLIP score as torchmetrics computes it (Hessel et al. 2021, with w = 100): the mean over image-caption pairs
/// of 100 * cos(E_I, E_C), clamped at 0. torchmetrics clamps the mean, not each pair; so does this.
/// </summary>
public static class ClipScore
{
    /// <summary>The weight torchmetrics puts on the cosine.</summary>
    public const double Weight = 100;

    /// <summary>100 * cos per pair: row i of the image embeddings with row i of the text embeddings, each (n, d).</summary>
    public static double[] PairScores(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        ArgumentNullException.ThrowIfNull(textEmbeddings);
        if (imageEmbeddings.dim() != 2 || !imageEmbeddings.shape.SequenceEqual(textEmbeddings.shape))
        {
            throw new ArgumentException(
                $"Embeddings have shapes [{string.Join(", ", imageEmbeddings.shape)}] (images) and [{string.Join(", ", textEmbeddings.shape)}] (texts); expected equal (n, d).",
                nameof(textEmbeddings));
        }
        using var scope = NewDisposeScope();
        var a = nn.functional.normalize(imageEmbeddings.detach().to(CPU).to_type(ScalarType.Float64), p: 2, dim: 1);
        var b = nn.functional.normalize(textEmbeddings.detach().to(CPU).to_type(ScalarType.Float64), p: 2, dim: 1);
        using var weight = Weight.ToScalar();
        return a.mul(b).sum(1).mul(weight).data<double>().ToArray();     // (n)
    }

    /// <summary>max(mean of <see cref="PairScores"/>, 0); at least one pair.</summary>
    public static double Compute(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        var scores = PairScores(imageEmbeddings, textEmbeddings);
        if (scores.Length == 0)
            throw new ArgumentException("No image-caption pairs; the CLIP score needs at least one.", nameof(imageEmbeddings));
        return Math.Max(scores.Average(), 0);
    }
}
