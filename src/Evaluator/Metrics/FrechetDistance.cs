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

    // A covariance whose smallest squared Cholesky pivot is below this fraction of its largest variance is
    // treated as singular: with n <= d samples it is exactly singular and float64 rounding leaves pivots near
    // 1e-16 of the largest.
    private const double SingularRatio = 1e-10;

    // Scalars are explicit and outlive their ops: an implicit one can be finalized while libtorch still
    // reads it (docs/architecture.md, "TorchSharp Scalars").
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar Two = 2.0.ToScalar();

    /// <summary>d^2 between the Gaussians of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static double Compute(FeatureStatistics a, FeatureStatistics b) => Evaluate(a, b).Distance;

    /// <summary>
    /// d^2 with details. With S1 = L L^T (Cholesky), S1 S2 = L (L^T S2 L) L^-1 has the eigenvalues of the
    /// symmetric positive semi-definite L^T S2 L, so tr((S1 S2)^(1/2)) is the sum of the square roots of one
    /// symmetric eigenvalue problem: no matrix square root, no complex parts, and about three times cheaper
    /// than diagonalising S1 first. When S1 or S2 is near-singular (a Cholesky pivot below
    /// <see cref="SingularRatio"/> of the largest diagonal entry, or no factor at all), <paramref name="offset"/> * I
    /// is added to both, as pytorch-fid does, and the result says so.
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

        double usedOffset = 0;
        string? note = null;
        var (l1, singular1) = Factor(s1, "a");
        string? singular = singular1 ?? Factor(s2, "b").Singular;
        if (singular is not null)
        {
            usedOffset = offset;
            note = $"{singular}; added {offset:G3} to both covariances' diagonals.";
            using var epsilon = offset.ToScalar();
            var shift = torch.eye(a.Dimension, dtype: torch.ScalarType.Float64).mul(epsilon);
            s1 = s1.add(shift, One);
            s2 = s2.add(shift, One);
            (l1, _) = Factor(s1, "a");
        }

        var product = l1.t().matmul(s2).matmul(l1);                                 // L^T S2 L: (d, d)
        product = product.add(product.t(), One).div(Two);                          // symmetric up to rounding
        using var zero = 0.0.ToScalar();
        double traceSqrt = torch.linalg.eigvalsh(product).clamp_min(zero).sqrt().sum().item<double>();

        trace1 += usedOffset * a.Dimension;
        trace2 += usedOffset * b.Dimension;
        // d^2 >= 0 exactly; rounding can leave a tiny negative when the Gaussians coincide.
        double distance = Math.Max(0, meanTerm + trace1 + trace2 - 2 * traceSqrt);
        return new FrechetResult(distance, usedOffset, note);
    }

    // The lower Cholesky factor of a covariance, and why it counts as near-singular (null when it does not).
    private static (torch.Tensor Factor, string? Singular) Factor(torch.Tensor covariance, string which)
    {
        var (factor, info) = torch.linalg.cholesky_ex(covariance);
        int failed = info.item<int>();
        double largest = covariance.diagonal().abs().max().item<double>();
        if (failed > 0)
        {
            return (factor, $"covariance {which} is near-singular (no Cholesky factor: leading minor {failed} is not positive)");
        }
        double pivot = factor.diagonal().min().item<double>();
        return pivot * pivot <= SingularRatio * largest
            ? (factor, $"covariance {which} is near-singular (smallest Cholesky pivot {pivot * pivot:G3}, largest variance {largest:G3})")
            : (factor, null);
    }
}
