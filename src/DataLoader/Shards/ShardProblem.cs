namespace Orchestrator.DataLoader.Shards;

/// <summary>A shard path that could not be used at all (missing, no match, unreadable footer, missing columns), and why.</summary>
public sealed record ShardProblem(string Path, string Reason)
{
    public override string ToString() => $"{Path}: {Reason}";
}
