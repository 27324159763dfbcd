namespace Orchestrator.DataLoader.Sampling;

/// <summary>
/// One dataset of a <see cref="SamplePlan"/>: its rows [FirstRow, FirstRow+RowCount) of the global
/// row space, its mixing weight, and the block size of its permutation (about one row group).
/// </summary>
public sealed record PlanDataset(long FirstRow, long RowCount, double Weight, int BlockSize);
