namespace Orchestrator.Evaluator.Metrics;

/// <summary>
/// Feature statistics of the real (validation) images, computed once per <see cref="ReferenceKey"/> and kept on
/// disk as <see cref="FeatureStatistics"/> files, so that each evaluation extracts features of its samples only.
/// </summary>
public sealed class ReferenceStatisticsCache
{
    /// <param name="folder">Where the statistics files live; created when missing.</param>
    public ReferenceStatisticsCache(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = folder;
    }

    /// <summary>The cache folder.</summary>
    public string Folder { get; }

    /// <summary>The file that holds the statistics of <paramref name="key"/>.</summary>
    public string PathOf(ReferenceKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Path.Combine(Folder, key.FileName);
    }

    /// <summary>
    /// The cached statistics of <paramref name="key"/>, or those <paramref name="compute"/> returns, saved for next
    /// time. A cache file that cannot be read, or that names another extractor, is computed again and replaced;
    /// the result says why.
    /// </summary>
    public ReferenceStatistics GetOrCompute(ReferenceKey key, Func<FeatureStatistics> compute)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(compute);
        string path = PathOf(key);
        string? note = null;
        if (File.Exists(path))
        {
            try
            {
                var cached = FeatureStatistics.Load(path);
                if (cached.Extractor == key.Extractor)
                    return new ReferenceStatistics(cached, FromCache: true, path, Note: null);
                note = $"{path} holds statistics of extractor '{cached.Extractor}', expected '{key.Extractor}'; recomputed.";
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                note = $"{path} could not be read ({e.Message}); recomputed.";
            }
        }

        var statistics = compute();
        if (statistics.Extractor != key.Extractor)
        {
            throw new InvalidOperationException(
                $"Reference statistics were computed with extractor '{statistics.Extractor}'; the key names '{key.Extractor}'.");
        }
        Directory.CreateDirectory(Folder);
        statistics.Save(path);
        return new ReferenceStatistics(statistics, FromCache: false, path, note);
    }
}
