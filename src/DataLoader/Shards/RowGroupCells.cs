namespace Orchestrator.DataLoader.Shards;

/// <summary>The key, caption and image cells of one row group, in row order, and the metadata columns its filters read.</summary>
internal sealed record RowGroupCells(string[] Keys, string?[] Captions, byte[]?[] Images)
{
    /// <summary>Numeric metadata columns by name, as doubles (null cells stay null).</summary>
    public IReadOnlyDictionary<string, double?[]> Numbers { get; init; } = new Dictionary<string, double?[]>();

    /// <summary>String metadata columns by name.</summary>
    public IReadOnlyDictionary<string, string?[]> Texts { get; init; } = new Dictionary<string, string?[]>();
}
