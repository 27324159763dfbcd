using Orchestrator.Core.Telemetry;

namespace Orchestrator.DataLoader.Video;

/// <summary>Thread-safe counts of skipped video rows per reason; each skip is also reported (shard, row, reason) to a log callback.</summary>
public sealed class VideoSkipCounter(Action<string>? log = null)
{
    private readonly long[] _counts = new long[Enum.GetValues<VideoSkipReason>().Length];
    private readonly Action<string>? _log = log;

    /// <summary>Rows skipped so far, all reasons together.</summary>
    public long Total => Enum.GetValues<VideoSkipReason>().Sum(Count);

    /// <summary>Rows skipped so far for <paramref name="reason"/>.</summary>
    public long Count(VideoSkipReason reason) => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>The counts as text, e.g. "none" or "Truncated 2, MissingVideo 1".</summary>
    public string Describe()
    {
        var parts = Enum.GetValues<VideoSkipReason>().Where(r => Count(r) > 0).Select(r => $"{r} {Count(r)}").ToList();
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>Counts one skipped row; <paramref name="row"/> is the row's index within <paramref name="shard"/>.</summary>
    public void Record(VideoSkipReason reason, string shard, long row, string? detail = null)
    {
        Interlocked.Increment(ref _counts[(int)reason]);
        OrchestratorTelemetry.AddRowsSkipped(1, reason.ToString());
        _log?.Invoke(detail is null
            ? $"Skipped video row {row} of shard {shard}: {reason}."
            : $"Skipped video row {row} of shard {shard}: {reason} ({detail}).");
    }
}
