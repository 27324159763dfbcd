using TorchSharp;

namespace Orchestrator.Evaluator.Metrics;

/// <summary>
/// Squared Fréchet (2-Wasserstein) distance between two Gaussians fitted to feature sets:
/// d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))
/// (Dowson and Landau 1982; used as FID by Heusel et al. 2017). Which features it is computed on is the
/// caller's choice: report the extractor's name with it, and call it FID only on Inception-v3 pool features.
/// </summary>
public static class FrechetDistance
{
    /// <summary>Diagonal offset for near-singular covariances, as in pytorch-fid.</summary>
    public const double DefaultOffset = 1e-6;

    // A covariance whose smallest eigenvalue is below this fraction of its largest is treated as singular:
    // with n <= d samples it is exactly singular and float64 rounding leaves eigenvalues near 1e-16 of the largest.
    private const double SingularRatio = 1e-10;

    /// <summary>d^2 between the Gaussians of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static double Compute(FeatureStatistics a, FeatureStatistics b) => Evaluate(a, b).Distance;

    /// <summary>
    /// d^2 with details. tr((S1 S2)^(1/2)) is computed as tr((A S2 A)^(1/2)) with A = S1^(1/2), which has the
    /// same eigenvalues as S1 S2 but is symmetric, so symmetric eigendecompositions (stable, fast) suffice and no
    /// complex square root arises. When S1 or S2 is near-singular, <paramref name="offset"/> * I is added to both
    /// and the result says so.
    /// </summary>
    public static FrechetResult Evaluate(FeatureStatistics a, FeatureStatistics b, double offset = DefaultOffset)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!(offset > 0) || !double.IsFinite(offset))
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The diagonal offset must be a finite positive number.");
        if (a.Dimension != b.Dimension)
            throw new ArgumentException($"Feature statistics have dimensions {a.Dimension} (a) and {b.Dimension} (b); expected equal.", nameof(b));
        if (a.Extractor.Length > 0 && b.Extractor.Length > 0 && a.Extractor != b.Extractor)
        {
            throw new ArgumentException(
                $"Feature statistics come from different extractors: '{a.Extractor}' (a) and '{b.Extractor}' (b).", nameof(b));
        }
        a.EnsureFinite("a");
        b.EnsureFinite("b");

        double meanTerm = 0;
        for (int i = 0; i < a.Dimension; i++)
        {
            double difference = a.Mean[i] - b.Mean[i];
            meanTerm += difference * difference;
        }

        using var scope = torch.NewDisposeScope();
        var s1 = a.CovarianceTensor();                          // (d, d) float64
        var s2 = b.CovarianceTensor();                          // (d, d) float64
        double trace1 = s1.trace().item<double>();
        double trace2 = s2.trace().item<double>();
        var (eigenvalues1, eigenvectors1) = torch.linalg.eigh(s1);
        var eigenvalues2 = torch.linalg.eigvalsh(s2);

        double usedOffset = 0;
        string? note = null;
        string? singular = Singular(eigenvalues1, "a") ?? Singular(eigenvalues2, "b");
        if (singular is not null)
        {
            usedOffset = offset;
            note = $"{singular}; added {offset:G3} to both covariances' diagonals.";
            // S1 + eps I has the same eigenvectors and eigenvalues shifted by eps.
            eigenvalues1 = eigenvalues1 + offset;
            s2 = s2 + torch.eye(b.Dimension, dtype: torch.ScalarType.Float64) * offset;
        }

        var root1 = eigenvectors1 * eigenvalues1.clamp_min(0).sqrt().unsqueeze(0);  // V diag(sqrt l): (d, d)
        var a1 = root1.matmul(eigenvectors1.t());                                   // S1^(1/2)
        var product = a1.matmul(s2).matmul(a1);
        product = (product + product.t()) / 2;                                       // symmetric up to rounding
        double traceSqrt = torch.linalg.eigvalsh(product).clamp_min(0).sqrt().sum().item<double>();

        trace1 += usedOffset * a.Dimension;
        trace2 += usedOffset * b.Dimension;
        // d^2 >= 0 exactly; rounding can leave a tiny negative when the Gaussians coincide.
        double distance = Math.Max(0, meanTerm + trace1 + trace2 - 2 * traceSqrt);
        return new FrechetResult(distance, usedOffset, note);
    }

    private static string? Singular(torch.Tensor eigenvalues, string which)
    {
        double smallest = eigenvalues.min().item<double>();
        double largest = eigenvalues.abs().max().item<double>();
        return smallest <= SingularRatio * largest
            ? $"covariance {which} is near-singular (smallest eigenvalue {smallest:G3}, largest {largest:G3})"
            : null;
    }
}
