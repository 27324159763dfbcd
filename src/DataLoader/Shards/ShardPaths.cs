namespace Orchestrator.DataLoader.Shards;

/// <summary>Turns command-line shard paths (a .parquet file, a folder of them, or a glob) into shard files.</summary>
public static class ShardPaths
{
    /// <summary>
    /// The files of every path, in the order given (each folder or glob sorted by name, as
    /// <see cref="ShardCatalog"/> does), without repeats; a path that gives no file is added to
    /// <paramref name="problems"/> and the others are still resolved.
    /// </summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> paths, ICollection<ShardProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(problems);
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            try
            {
                IReadOnlyList<string> found = File.Exists(path) ? [Path.GetFullPath(path)] : ShardCatalog.ResolveFiles(path);
                files.AddRange(found.Where(seen.Add));
            }
            catch (ShardException e)
            {
                problems.Add(new ShardProblem(e.ShardPath, e.Reason));
            }
        }

        return files;
    }
}
