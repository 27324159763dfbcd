using Orchestrator.DataLoader.Decoding;

namespace Orchestrator.DataLoader.Shards;

/// <summary>A row that training would skip: its shard file, row within the shard, and why.</summary>
public sealed record BadRow(string Shard, long Row, RowSkipReason Reason)
{
    public override string ToString() => $"{Shard} {Row} {Reason}";
}
