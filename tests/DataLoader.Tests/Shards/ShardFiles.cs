using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Tests.Shards;

/// <summary>Writes small img2dataset-layout shards of synthetic rows for tests.</summary>
internal static class ShardFiles
{
    public static ShardRow Row(long index, int size = 24)
    {
        SyntheticRow row = SyntheticShapes.Generate(seed: 1, index, size);
        return new ShardRow(row.Key, row.Caption, row.Jpeg) { Width = size, Height = size };
    }

    public static Task WriteAsync(string path, long firstIndex, int rows, int rowGroupSize) =>
        ShardWriter.WriteAsync(path, [.. Enumerable.Range(0, rows).Select(i => Row(firstIndex + i))], rowGroupSize);
}
