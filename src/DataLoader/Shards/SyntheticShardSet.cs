namespace Orchestrator.DataLoader.Shards;

/// <summary>The shards of a synthetic dataset; <see cref="Created"/> is false when both folders were already complete.</summary>
public sealed record SyntheticShardSet(IReadOnlyList<string> TrainShards, IReadOnlyList<string> ValidationShards, bool Created);
