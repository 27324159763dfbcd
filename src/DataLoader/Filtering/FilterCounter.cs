using Orchestrator.Core.Telemetry;
using Orchestrator.DataLoader.Decoding;

namespace Orchestrator.DataLoader.Filtering;

/// <summary>Counts of rows left out by each metadata filter; each is also reported (shard, row, filter) to an optional log callback.</summary>
public sealed class FilterCounter(Action<string>? log = null) : ReasonCounts<RowFilter>
{
    /// <summary>Counts one row left out by <paramref name="filter"/>; <paramref name="row"/> is the row's index within <paramref name="shard"/>.</summary>
    public void Record(RowFilter filter, string shard, long row)
    {
        Increment(filter);
        OrchestratorTelemetry.AddRowsFiltered(1, filter.ToString());
        log?.Invoke($"Filtered out row {row} of shard {shard}: {filter}.");
    }
}
