using Orchestrator.Core.Telemetry;
using Orchestrator.DataLoader.Decoding;

namespace Orchestrator.DataLoader.Video;

/// <summary>Counts of skipped video rows per reason; each skip is also reported (shard, row, reason) to a log callback.</summary>
public sealed class VideoSkipCounter(Action<string>? log = null) : ReasonCounts<VideoSkipReason>
{
    /// <summary>Counts one skipped row; <paramref name="row"/> is the row's index within <paramref name="shard"/>.</summary>
    public void Record(VideoSkipReason reason, string shard, long row, string? detail = null)
    {
        Increment(reason);
        OrchestratorTelemetry.AddRowsSkipped(1, reason.ToString());
        log?.Invoke(detail is null
            ? $"Skipped video row {row} of shard {shard}: {reason}."
            : $"Skipped video row {row} of shard {shard}: {reason} ({detail}).");
    }
}
