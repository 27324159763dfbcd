namespace Orchestrator.DataLoader.Shards;

/// <summary>The key, caption and image cells of one row group, in row order.</summary>
internal sealed record RowGroupCells(string[] Keys, string?[] Captions, byte[]?[] Images);
