namespace Orchestrator.DataLoader.Shards;

/// <summary>The captioned images of a folder in import order, and the files already known to be skipped.</summary>
public sealed record ImportPlan(IReadOnlyList<ImportItem> Items, IReadOnlyList<ImportSkip> Skipped);
