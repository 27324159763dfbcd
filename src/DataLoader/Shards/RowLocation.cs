namespace Orchestrator.DataLoader.Shards;

/// <summary>Where a global row is: its shard, row group, and row within that group.</summary>
public readonly record struct RowLocation(ShardInfo Shard, int RowGroup, int RowInGroup)
{
    /// <summary>The row's index within its shard.</summary>
    public long RowInShard => Shard.RowGroupStart(RowGroup) + RowInGroup;
}
