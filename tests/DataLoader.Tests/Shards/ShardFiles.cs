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

    /// <summary>
    /// Overwrites the second half of the shard's footer with <paramref name="filler"/>, keeping the footer
    /// length and the magic that end the file (Parquet: footer, its length as int32, "PAR1").
    /// </summary>
    public static async Task DamageFooterAsync(string path, byte filler)
    {
        byte[] bytes = await File.ReadAllBytesAsync(path);
        int footer = BitConverter.ToInt32(bytes, bytes.Length - 8);
        bytes.AsSpan(bytes.Length - 8 - (footer / 2), footer / 2).Fill(filler);
        await File.WriteAllBytesAsync(path, bytes);
    }
}
