using Orchestrator.Core.RunSpec;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// Writes the synthetic dataset of a run spec (<see cref="SyntheticShapes"/>) as img2dataset-layout shards, train and
/// validation apart, complete folders skipped (<see cref="SyntheticSetWriter"/>).
/// </summary>
public static class SyntheticShardMaker
{
    /// <summary>Makes the train and validation shards unless they are already there; <paramref name="progress"/> gets (rows done, rows in all).</summary>
    public static Task<SyntheticShardSet> MakeAsync(
        SyntheticDataSection spec, Action<long, long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ImageSize, 8);
        return SyntheticSetWriter.MakeAsync(spec, "synthetic-shapes", parameters: "", WriteShardAsync, progress, ct);

        async Task WriteShardAsync(string path, long start, int count, Action<long> advance, CancellationToken ct)
        {
            var shardRows = new ShardRow[count];
            await Task.Run(
                () => Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, i =>
                {
                    SyntheticRow row = SyntheticShapes.Generate(spec.Seed, start + i, spec.ImageSize);
                    shardRows[i] = new ShardRow(row.Key, row.Caption, row.Jpeg)
                    {
                        Width = row.Width,
                        Height = row.Height,
                        OriginalWidth = row.Width,
                        OriginalHeight = row.Height,
                    };
                }),
                ct);
            await ShardWriter.WriteAsync(path, shardRows, spec.RowGroupSize, ct);
            advance(count);
        }
    }
}
