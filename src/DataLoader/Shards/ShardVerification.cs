using System.Globalization;
using Orchestrator.DataLoader.Decoding;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// The outcome of decoding every row of some shards: rows checked, bad rows per
/// <see cref="RowSkipReason"/> (the first <see cref="ListLimit"/> listed) and shards that could not be read at all.
/// </summary>
public sealed class ShardVerification(int listLimit)
{
    private readonly long[] _counts = new long[Enum.GetValues<RowSkipReason>().Length];
    private readonly List<BadRow> _listed = [];
    private readonly List<ShardProblem> _problems = [];

    /// <summary>At most this many bad rows are kept for listing; the rest are only counted.</summary>
    public int ListLimit { get; } = listLimit;

    public int Shards { get; private set; }

    public long Rows { get; private set; }

    public long BadRows => _counts.Sum();

    public long UsableRows => Rows - BadRows;

    /// <summary>The first <see cref="ListLimit"/> bad rows, in shard and row order.</summary>
    public IReadOnlyList<BadRow> Listed => _listed;

    /// <summary>Bad rows beyond <see cref="Listed"/>.</summary>
    public long Unlisted => BadRows - _listed.Count;

    public IReadOnlyList<ShardProblem> Problems => _problems;

    /// <summary>0 when every row is usable, 1 when some rows are bad, 2 when a shard could not be read at all.</summary>
    public int ExitCode => _problems.Count > 0 ? 2 : BadRows > 0 ? 1 : 0;

    public long Count(RowSkipReason reason) => _counts[(int)reason];

    /// <summary>The listing of bad rows (`shard row reason`, capped) then the summary.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (BadRow row in _listed)
        {
            yield return row.ToString();
        }

        if (Unlisted > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"... {Unlisted} more");
        }

        foreach (ShardProblem problem in _problems)
        {
            yield return $"unreadable shard {problem}";
        }

        string reasons = string.Join(", ", Enum.GetValues<RowSkipReason>().Where(r => Count(r) > 0).Select(r => $"{r} {Count(r)}"));
        string byReason = reasons.Length > 0 ? $" ({reasons})" : "";
        string unreadable = _problems.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", {_problems.Count} unreadable shards") : "";
        yield return string.Create(
            CultureInfo.InvariantCulture,
            $"verified {Shards} shards, {Rows} rows: {UsableRows} usable, {BadRows} bad{byReason}{unreadable}");
    }

    internal void AddShard(long rows)
    {
        Shards++;
        Rows += rows;
    }

    internal void Add(BadRow row)
    {
        _counts[(int)row.Reason]++;
        if (_listed.Count < ListLimit)
        {
            _listed.Add(row);
        }
    }

    internal void Add(ShardProblem problem) => _problems.Add(problem);
}
