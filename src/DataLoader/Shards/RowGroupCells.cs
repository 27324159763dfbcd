namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// The key, caption and media cells of one row group, in row order, and the metadata columns its filters read.
/// <see cref="Images"/> holds the encoded images, or the encoded videos of a video2dataset shard; a frame-list
/// shard's clips are in <see cref="Frames"/> (and <see cref="Images"/> is all null).
/// </summary>
internal sealed record RowGroupCells(string[] Keys, string?[] Captions, byte[]?[] Images)
{
    /// <summary>Each row's encoded frames (frame-list layout); null for the other layouts.</summary>
    public IReadOnlyList<byte[]?>?[]? Frames { get; init; }

    /// <summary>Numeric metadata columns by name, as doubles (null cells stay null).</summary>
    public IReadOnlyDictionary<string, double?[]> Numbers { get; init; } = new Dictionary<string, double?[]>();

    /// <summary>String metadata columns by name.</summary>
    public IReadOnlyDictionary<string, string?[]> Texts { get; init; } = new Dictionary<string, string?[]>();
}
