using Orchestrator.Core.Telemetry;

namespace Orchestrator.DataLoader.Filtering;

/// <summary>Thread-safe counts of rows left out by each metadata filter; each is also reported (shard, row, filter) to an optional log callback.</summary>
public sealed class FilterCounter(Action<string>? log = null)
{
    private readonly long[] _counts = new long[Enum.GetValues<RowFilter>().Length];
    private readonly Action<string>? _log = log;

    /// <summary>Rows filtered out so far, all filters together.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                total += Interlocked.Read(ref _counts[i]);
            }

            return total;
        }
    }

    /// <summary>Rows left out so far by <paramref name="filter"/>.</summary>
    public long Count(RowFilter filter) => Interlocked.Read(ref _counts[(int)filter]);

    /// <summary>The counts as text, e.g. "none" or "Status 12, MinWidth 3".</summary>
    public string Describe()
    {
        var parts = Enum.GetValues<RowFilter>().Where(f => Count(f) > 0).Select(f => $"{f} {Count(f)}").ToList();
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>Counts one row left out by <paramref name="filter"/>; <paramref name="row"/> is the row's index within <paramref name="shard"/>.</summary>
    public void Record(RowFilter filter, string shard, long row)
    {
        Interlocked.Increment(ref _counts[(int)filter]);
        OrchestratorTelemetry.AddRowsFiltered(1, filter.ToString());
        _log?.Invoke($"Filtered out row {row} of shard {shard}: {filter}.");
    }
}
