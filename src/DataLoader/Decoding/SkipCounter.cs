using Orchestrator.Core.Telemetry;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>Counts of skipped rows per reason; each skip is also reported (shard, row, reason) to a log callback.</summary>
public sealed class SkipCounter(Action<string>? log = null) : ReasonCounts<RowSkipReason>
{
    /// <summary>Counts one skipped row; <paramref name="row"/> is the row's index within <paramref name="shard"/>.</summary>
    public void Record(RowSkipReason reason, string shard, long row, string? detail = null)
    {
        Increment(reason);
        OrchestratorTelemetry.AddRowsSkipped(1, reason.ToString());
        log?.Invoke(detail is null
            ? $"Skipped row {row} of shard {shard}: {reason}."
            : $"Skipped row {row} of shard {shard}: {reason} ({detail}).");
    }
}
