namespace Orchestrator.DataLoader.Shards;

/// <summary>The shards an import wrote, its rows, and every file it skipped (planning and reading together).</summary>
public sealed record ImportResult(IReadOnlyList<string> Shards, long Rows, IReadOnlyList<ImportSkip> Skipped);
