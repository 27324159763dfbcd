using System.Diagnostics;
using Orchestrator.Evaluator.Metrics;
using TorchSharp;
using Xunit.Abstractions;

namespace Orchestrator.Evaluator.Tests.Metrics;

public sealed class FrechetDistanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Identical_statistics_give_zero()
    {
        var statistics = RandomStatistics(rows: 200, dimension: 16, seed: 1);

        var result = FrechetDistance.Evaluate(statistics, statistics);

        Assert.InRange(result.Distance, 0, 1e-9);
        Assert.Equal(0, result.Offset);
        Assert.Null(result.Note);
    }

    [Fact]
    public void Diagonal_covariances_match_closed_form()
    {
        var random = new Random(7);
        const int D = 12;
        var mean1 = new double[D];
        var mean2 = new double[D];
        var covariance1 = new double[D, D];
        var covariance2 = new double[D, D];
        double expected = 0;
        for (int i = 0; i < D; i++)
        {
            mean1[i] = random.NextDouble() * 4 - 2;
            mean2[i] = random.NextDouble() * 4 - 2;
            covariance1[i, i] = 0.1 + random.NextDouble() * 5;
            covariance2[i, i] = 0.1 + random.NextDouble() * 5;
            double rootDifference = Math.Sqrt(covariance1[i, i]) - Math.Sqrt(covariance2[i, i]);
            expected += (mean1[i] - mean2[i]) * (mean1[i] - mean2[i]) + rootDifference * rootDifference;
        }

        double actual = FrechetDistance.Compute(new(100, mean1, covariance1), new(100, mean2, covariance2));

        Assert.Equal(expected, actual, expected * 1e-9);
    }

    [Fact]
    public void Two_by_two_correlated_case_matches_independent_formula()
    {
        double[,] s1 = { { 2.0, 0.5 }, { 0.5, 1.0 } };
        double[,] s2 = { { 1.0, -0.3 }, { -0.3, 3.0 } };
        double[] mu1 = [0.5, -1.0];
        double[] mu2 = [1.5, 0.25];
        // For 2x2 matrices with positive eigenvalues l1, l2: tr sqrt(M) = sqrt(l1) + sqrt(l2) = sqrt(tr M + 2 sqrt(det M)).
        double traceProduct = s1[0, 0] * s2[0, 0] + s1[0, 1] * s2[1, 0] + s1[1, 0] * s2[0, 1] + s1[1, 1] * s2[1, 1];
        double determinants = (s1[0, 0] * s1[1, 1] - s1[0, 1] * s1[1, 0]) * (s2[0, 0] * s2[1, 1] - s2[0, 1] * s2[1, 0]);
        double traceRoot = Math.Sqrt(traceProduct + 2 * Math.Sqrt(determinants));
        double expected = 1.0 * 1.0 + 1.25 * 1.25 + (2.0 + 1.0) + (1.0 + 3.0) - 2 * traceRoot;

        double actual = FrechetDistance.Compute(new(10, mu1, s1), new(10, mu2, s2));

        Assert.Equal(expected, actual, 1e-12);
    }

    [Fact]
    public void Distance_is_symmetric()
    {
        var a = RandomStatistics(rows: 300, dimension: 40, seed: 2);
        var b = RandomStatistics(rows: 300, dimension: 40, seed: 3, shift: 0.3);

        double ab = FrechetDistance.Compute(a, b);
        double ba = FrechetDistance.Compute(b, a);

        Assert.True(ab > 1, $"distance {ab} should be clearly positive");
        Assert.Equal(ab, ba, ab * 1e-9);
    }

    [Fact]
    public void Non_finite_mean_is_reported_with_statistic_and_index()
    {
        var good = RandomStatistics(rows: 50, dimension: 4, seed: 4);
        var mean = good.Mean.ToArray();
        mean[2] = double.NaN;
        var bad = new FeatureStatistics(50, mean, Covariance(good));

        var error = Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(good, bad));

        Assert.Contains("statistics b: mean[2] is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_covariance_is_reported_with_statistic_and_index()
    {
        var good = RandomStatistics(rows: 50, dimension: 4, seed: 5);
        var covariance = Covariance(good);
        covariance[1, 3] = double.PositiveInfinity;
        var bad = new FeatureStatistics(50, good.Mean.ToArray(), covariance);

        var error = Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(bad, good));

        Assert.Contains("statistics a: covariance[1, 3] is Infinity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_feature_is_reported_with_row_and_column()
    {
        var features = new double[3, 2];
        features[2, 1] = double.NaN;

        var error = Assert.Throws<ArgumentException>(() => FeatureStatistics.FromFeatures(features));

        Assert.Contains("row 2, column 1 is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Singular_covariance_gets_offset_and_stays_finite()
    {
        // Fewer samples than dimensions: both covariances have rank at most 9 of 32.
        var a = RandomStatistics(rows: 10, dimension: 32, seed: 6);
        var b = RandomStatistics(rows: 10, dimension: 32, seed: 7);

        var result = FrechetDistance.Evaluate(a, b);

        Assert.True(double.IsFinite(result.Distance) && result.Distance > 0, $"distance {result.Distance}");
        Assert.Equal(FrechetDistance.DefaultOffset, result.Offset);
        Assert.Contains("near-singular", result.Note, StringComparison.Ordinal);
        Assert.InRange(FrechetDistance.Compute(a, a), 0, 1e-6);
    }

    [Fact]
    public void Mismatched_dimensions_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(
            () => FrechetDistance.Compute(RandomStatistics(20, 3, 8), RandomStatistics(20, 4, 9)));

        Assert.Contains("dimensions 3 (a) and 4 (b)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Statistics_of_different_extractors_are_rejected()
    {
        var mean = new double[] { 0, 0 };
        var covariance = new double[,] { { 1, 0 }, { 0, 1 } };

        var error = Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(
            new FeatureStatistics(5, mean, covariance, "random-conv-128-seed0-64px"),
            new FeatureStatistics(5, mean, covariance, "inception-v3-pool3")));

        Assert.Contains("different extractors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Covariance_matches_hand_computed_values()
    {
        // x = 1, 3, 5 (mean 3); y = 2, 5, 11 (mean 6). With n - 1 = 2:
        // var x = (4 + 0 + 4) / 2 = 4, var y = (16 + 1 + 25) / 2 = 21, cov = (8 + 0 + 10) / 2 = 9.
        var fromArray = FeatureStatistics.FromFeatures(new double[,] { { 1, 2 }, { 3, 5 }, { 5, 11 } });
        var fromJagged = FeatureStatistics.FromFeatures(new[] { new float[] { 1, 2 }, [3, 5], [5, 11] });

        foreach (var statistics in new[] { fromArray, fromJagged })
        {
            Assert.Equal(3, statistics.Count);
            Assert.Equal([3.0, 6.0], statistics.Mean.ToArray());
            Assert.Equal(4, statistics.Covariance(0, 0), 1e-12);
            Assert.Equal(21, statistics.Covariance(1, 1), 1e-12);
            Assert.Equal(9, statistics.Covariance(0, 1), 1e-12);
            Assert.Equal(9, statistics.Covariance(1, 0), 1e-12);
        }
    }

    [Fact]
    public void One_feature_row_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => FeatureStatistics.FromFeatures(new double[1, 4]));

        Assert.Contains("at least 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ragged_feature_rows_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(
            () => FeatureStatistics.FromFeatures(new[] { new float[] { 1, 2 }, [3] }));

        Assert.Contains("row 1 has 1 values; expected 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Distance_at_2048_dimensions_takes_seconds()
    {
        using var generator = new torch.Generator(11);
        using var features1 = torch.randn(4096, 2048, generator: generator);
        using var features2 = torch.randn(4096, 2048, generator: generator) * 1.1 + 0.05;

        var watch = Stopwatch.StartNew();
        var a = FeatureStatistics.FromFeatures(features1);
        var b = FeatureStatistics.FromFeatures(features2);
        var statisticsTime = watch.Elapsed;
        watch.Restart();
        var result = FrechetDistance.Evaluate(a, b);
        var distanceTime = watch.Elapsed;

        output.WriteLine(
            $"d=2048, n=4096: statistics {statisticsTime.TotalSeconds:F2} s for both sets, distance {distanceTime.TotalSeconds:F2} s, d^2={result.Distance:F4}");
        Assert.Equal(0, result.Offset);
        Assert.True(result.Distance > 0);
        Assert.True(distanceTime < TimeSpan.FromSeconds(60), $"distance took {distanceTime}");
    }

    internal static FeatureStatistics RandomStatistics(int rows, int dimension, int seed, double shift = 0)
    {
        using var generator = new torch.Generator((ulong)seed);
        // Mix the columns so that the covariance is not near-diagonal.
        using var mixing = torch.randn(dimension, dimension, generator: generator) / Math.Sqrt(dimension);
        using var features = torch.randn(rows, dimension, generator: generator).matmul(mixing) + shift;
        return FeatureStatistics.FromFeatures(features);
    }

    internal static double[,] Covariance(FeatureStatistics statistics)
    {
        var covariance = new double[statistics.Dimension, statistics.Dimension];
        for (int i = 0; i < statistics.Dimension; i++)
        {
            for (int j = 0; j < statistics.Dimension; j++)
                covariance[i, j] = statistics.Covariance(i, j);
        }
        return covariance;
    }
}
