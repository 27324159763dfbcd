using Orchestrator.Core.RunSpec;

namespace Orchestrator.DataLoader.Shards;

/// <summary>One dataset source of a catalog: its spec, its rows [FirstRow, FirstRow+RowCount) of the global row space and its largest row group.</summary>
public sealed record CatalogSource(DatasetSource Spec, long FirstRow, long RowCount, int LargestRowGroupRows);
