namespace Orchestrator.DataLoader.Shards;

/// <summary>A shard (or shard folder) cannot be used: names the path, the row group where known, and why.</summary>
public sealed class ShardException : Exception
{
    public ShardException(string path, string reason, Exception? inner = null)
        : base($"Shard {path}: {reason}", inner)
    {
        ShardPath = path;
        Reason = reason;
    }

    public ShardException(string path, int rowGroup, string reason, Exception? inner = null)
        : base($"Shard {path}, row group {rowGroup}: {reason}", inner)
    {
        ShardPath = path;
        RowGroup = rowGroup;
        Reason = reason;
    }

    /// <summary>The shard file or folder.</summary>
    public string ShardPath { get; }

    /// <summary>The row group being read, when the failure is in one.</summary>
    public int? RowGroup { get; }

    public string Reason { get; }
}
