using System.Globalization;
using System.Text;
using TorchSharp;

namespace Orchestrator.Evaluator.Metrics;

/// <summary>Mean and unbiased covariance of a set of feature vectors, the input of the Fréchet distance.</summary>
public sealed class FeatureStatistics
{
    private const string Magic = "ORCFSTAT";
    private const int FormatVersion = 1;

    // 65536^2 doubles would be 32 GiB: anything larger is a damaged header, not a feature space.
    private const int MaxDimension = 65536;

    private readonly double[] _mean;
    private readonly double[,] _covariance;

    /// <param name="count">Number of feature vectors the statistics were computed from (at least 2).</param>
    /// <param name="mean">Mean feature vector, length d (copied).</param>
    /// <param name="covariance">Unbiased covariance, d x d (copied).</param>
    /// <param name="extractor">Name of the feature extractor that produced the features, or "" if unknown.</param>
    public FeatureStatistics(long count, double[] mean, double[,] covariance, string extractor = "")
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        ArgumentNullException.ThrowIfNull(extractor);
        if (count < 2)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Feature statistics need at least 2 feature vectors.");
        if (mean.Length == 0)
            throw new ArgumentException("Mean has no elements; expected a feature dimension of at least 1.", nameof(mean));
        if (covariance.GetLength(0) != mean.Length || covariance.GetLength(1) != mean.Length)
        {
            throw new ArgumentException(
                $"Covariance is {covariance.GetLength(0)}x{covariance.GetLength(1)}; expected {mean.Length}x{mean.Length} to match the mean.",
                nameof(covariance));
        }
        Count = count;
        _mean = (double[])mean.Clone();
        _covariance = (double[,])covariance.Clone();
        Extractor = extractor;
    }

    /// <summary>Number of feature vectors the statistics were computed from.</summary>
    public long Count { get; }

    /// <summary>Feature dimension d.</summary>
    public int Dimension => _mean.Length;

    /// <summary>Name of the feature extractor, or "" if unknown; distances are only meaningful within one extractor.</summary>
    public string Extractor { get; }

    /// <summary>The mean feature vector, length d.</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Covariance entry (i, j).</summary>
    public double Covariance(int i, int j) => _covariance[i, j];

    /// <summary>Statistics of the rows of a (n, d) array.</summary>
    public static FeatureStatistics FromFeatures(double[,] features, string extractor = "")
    {
        ArgumentNullException.ThrowIfNull(features);
        var flat = new double[features.Length];
        Buffer.BlockCopy(features, 0, flat, 0, features.Length * sizeof(double));
        using var tensor = torch.tensor(flat, [features.GetLength(0), features.GetLength(1)]);
        return FromFeatures(tensor, extractor);
    }

    /// <summary>Statistics of n feature vectors of equal length d.</summary>
    public static FeatureStatistics FromFeatures(float[][] features, string extractor = "")
    {
        ArgumentNullException.ThrowIfNull(features);
        int d = features.Length == 0 ? 0 : features[0]?.Length ?? 0;
        var flat = new float[(long)features.Length * d];
        for (int row = 0; row < features.Length; row++)
        {
            var vector = features[row]
                ?? throw new ArgumentException($"Feature row {row} is null; expected {d} values.", nameof(features));
            if (vector.Length != d)
                throw new ArgumentException($"Feature row {row} has {vector.Length} values; expected {d} like row 0.", nameof(features));
            vector.CopyTo(flat, (long)row * d);
        }
        using var tensor = torch.tensor(flat, [features.Length, d]);
        return FromFeatures(tensor, extractor);
    }

    /// <summary>Statistics of the rows of a (n, d) tensor of any floating dtype and device; computed in float64.</summary>
    public static FeatureStatistics FromFeatures(torch.Tensor features, string extractor = "")
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2)
            throw new ArgumentException($"Features have shape [{string.Join(", ", features.shape)}]; expected (n, d).", nameof(features));
        long n = features.shape[0];
        long d = features.shape[1];
        if (n < 2)
            throw new ArgumentException($"Features have {n} row(s); the unbiased covariance needs at least 2.", nameof(features));
        if (d < 1)
            throw new ArgumentException("Features have 0 columns; expected a feature dimension of at least 1.", nameof(features));

        using var scope = torch.NewDisposeScope();
        var x = features.detach().to(torch.CPU).to_type(torch.ScalarType.Float64);
        var bad = torch.logical_not(torch.isfinite(x)).nonzero();
        if (bad.shape[0] > 0)
        {
            long row = bad[0, 0].item<long>();
            long column = bad[0, 1].item<long>();
            double value = x[row, column].item<double>();
            throw new ArgumentException(
                $"Features row {row}, column {column} is {value.ToString(CultureInfo.InvariantCulture)}; expected finite values.", nameof(features));
        }
        var mean = x.mean([0]);                                    // (d)
        var centred = x - mean;                                    // (n, d)
        using var degrees = ((double)(n - 1)).ToScalar();          // explicit: see docs/architecture.md, "TorchSharp Scalars"
        var covariance = centred.t().matmul(centred).div(degrees); // (d, d), like numpy.cov(rowvar=False)
        return new FeatureStatistics(n, ToArray(mean), ToMatrix(covariance), extractor);
    }

    /// <summary>The covariance as a (d, d) float64 CPU tensor; the caller disposes it.</summary>
    internal torch.Tensor CovarianceTensor()
    {
        var flat = new double[_covariance.Length];
        Buffer.BlockCopy(_covariance, 0, flat, 0, _covariance.Length * sizeof(double));
        return torch.tensor(flat, [Dimension, Dimension]);
    }

    /// <summary>Throws naming <paramref name="which"/> and the first non-finite entry, if any.</summary>
    internal void EnsureFinite(string which)
    {
        for (int i = 0; i < _mean.Length; i++)
        {
            if (!double.IsFinite(_mean[i]))
                throw new ArgumentException($"Feature statistics {which}: mean[{i}] is {_mean[i].ToString(CultureInfo.InvariantCulture)}; expected finite values.", which);
        }
        for (int i = 0; i < Dimension; i++)
        {
            for (int j = 0; j < Dimension; j++)
            {
                if (!double.IsFinite(_covariance[i, j]))
                {
                    throw new ArgumentException(
                        $"Feature statistics {which}: covariance[{i}, {j}] is {_covariance[i, j].ToString(CultureInfo.InvariantCulture)}; expected finite values.", which);
                }
            }
        }
    }

    /// <summary>
    /// Writes the statistics to <paramref name="path"/> (temporary file, then rename). Layout, little-endian:
    /// magic "ORCFSTAT", int32 version, extractor (7-bit length-prefixed UTF-8), int64 count, int32 d,
    /// d doubles of mean, d(d+1)/2 doubles of the covariance's upper triangle, row by row.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8))
            {
                writer.Write(Encoding.ASCII.GetBytes(Magic));
                writer.Write(FormatVersion);
                writer.Write(Extractor);
                writer.Write(Count);
                writer.Write(Dimension);
                foreach (double value in _mean)
                    writer.Write(value);
                for (int i = 0; i < Dimension; i++)
                {
                    for (int j = i; j < Dimension; j++)
                        writer.Write(_covariance[i, j]);
                }
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads statistics written by <see cref="Save"/>; a damaged file gets an error naming it and what was wrong.</summary>
    public static FeatureStatistics Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            string magic = Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
            if (magic != Magic)
                throw new InvalidDataException($"{path}: not a feature statistics file (starts with '{magic}', expected '{Magic}').");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"{path}: format version {version}; this build reads version {FormatVersion}.");
            string extractor = reader.ReadString();
            long count = reader.ReadInt64();
            if (count < 2)
                throw new InvalidDataException($"{path}: count is {count}; expected at least 2.");
            int d = reader.ReadInt32();
            if (d < 1 || d > MaxDimension)
                throw new InvalidDataException($"{path}: dimension is {d}; expected 1 to {MaxDimension}.");
            long expectedBytes = stream.Position + sizeof(double) * (d + (long)d * (d + 1) / 2);
            if (stream.Length != expectedBytes)
            {
                throw new InvalidDataException(
                    $"{path}: {stream.Length} bytes; a dimension of {d} needs exactly {expectedBytes} (file truncated or padded).");
            }
            var mean = new double[d];
            for (int i = 0; i < d; i++)
                mean[i] = reader.ReadDouble();
            var covariance = new double[d, d];
            for (int i = 0; i < d; i++)
            {
                for (int j = i; j < d; j++)
                {
                    double value = reader.ReadDouble();
                    covariance[i, j] = value;
                    covariance[j, i] = value;
                }
            }
            return new FeatureStatistics(count, mean, covariance, extractor);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: file ends inside the header (truncated).");
        }
    }

    private static double[] ToArray(torch.Tensor vector)
    {
        var result = new double[vector.shape[0]];
        vector.contiguous().data<double>().CopyTo(result);
        return result;
    }

    private static double[,] ToMatrix(torch.Tensor matrix)
    {
        var flat = new double[matrix.numel()];
        matrix.contiguous().data<double>().CopyTo(flat);
        var result = new double[matrix.shape[0], matrix.shape[1]];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }
}
