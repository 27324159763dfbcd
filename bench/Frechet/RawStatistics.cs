using Orchestrator.Evaluator.Metrics;

namespace Orchestrator.Bench.Frechet;

/// <summary>
/// Reads the statistics that sqrtm_bench.py --out writes: {name}.f64 files of raw little-endian float64,
/// mu{k} of length d and sigma{k} of d x d, row-major.
/// </summary>
internal static class RawStatistics
{
    /// <summary>
    /// Reads mu{index}.f64 and sigma{index}.f64 from <paramref name="folder"/>; <paramref name="expectedDimension"/> is
    /// the dimension the caller asked for, or null to take it from mu's size.
    /// </summary>
    public static FeatureStatistics Read(string folder, int index, int? expectedDimension)
    {
        string meanPath = Path.Combine(folder, $"mu{index}.f64");
        string covariancePath = Path.Combine(folder, $"sigma{index}.f64");
        double[] mean = ReadDoubles(meanPath);
        int d = mean.Length;
        if (expectedDimension is int expected && expected != d)
            throw new InvalidDataException($"{meanPath}: {d} values; expected {expected} (--dim).");
        double[] flat = ReadDoubles(covariancePath);
        if (flat.LongLength != (long)d * d)
            throw new InvalidDataException($"{covariancePath}: {flat.LongLength} values; expected {d} x {d} = {(long)d * d} to match {meanPath}.");
        var covariance = new double[d, d];
        Buffer.BlockCopy(flat, 0, covariance, 0, flat.Length * sizeof(double));
        // The anchor draws 4d samples per side; the count only has to be at least 2, the distance does not use it.
        return new FeatureStatistics(4L * d, mean, covariance);
    }

    private static double[] ReadDoubles(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: not found; write it with sqrtm_bench.py --out DIR.", path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % sizeof(double) != 0)
            throw new InvalidDataException($"{path}: {bytes.Length} bytes; expected a positive multiple of {sizeof(double)} (raw float64).");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("The statistics files are little-endian; this reader assumes a little-endian machine.");
        var values = new double[bytes.Length / sizeof(double)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
