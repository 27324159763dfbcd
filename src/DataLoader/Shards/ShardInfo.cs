using Orchestrator.Core.RunSpec;

namespace Orchestrator.DataLoader.Shards;

/// <summary>One shard of a catalog: its file, column names, row groups, and where its rows sit in the global row space.</summary>
public sealed class ShardInfo
{
    private readonly long[] _rowGroupStarts;

    internal ShardInfo(int index, string path, ColumnMap columns, bool hasKeyColumn, long firstRow, IReadOnlyList<long> rowGroupRows)
    {
        Index = index;
        Path = path;
        Columns = columns;
        HasKeyColumn = hasKeyColumn;
        FirstRow = firstRow;
        RowGroupRows = rowGroupRows;
        _rowGroupStarts = new long[rowGroupRows.Count];
        long start = 0;
        for (int g = 0; g < rowGroupRows.Count; g++)
        {
            _rowGroupStarts[g] = start;
            start += rowGroupRows[g];
        }

        RowCount = start;
    }

    /// <summary>Position of this shard in <see cref="ShardCatalog.Shards"/>.</summary>
    public int Index { get; }

    /// <summary>Full path of the Parquet file.</summary>
    public string Path { get; }

    public ColumnMap Columns { get; }

    /// <summary>Whether the key column exists; when not, keys are made from the file name and row.</summary>
    public bool HasKeyColumn { get; }

    /// <summary>Global row of this shard's first row.</summary>
    public long FirstRow { get; }

    public long RowCount { get; }

    /// <summary>Rows in each row group, from the footer.</summary>
    public IReadOnlyList<long> RowGroupRows { get; }

    /// <summary>Row (within the shard) of row group <paramref name="rowGroup"/>'s first row.</summary>
    public long RowGroupStart(int rowGroup) => _rowGroupStarts[rowGroup];

    internal (int RowGroup, int RowInGroup) LocateRow(long rowInShard)
    {
        int found = Array.BinarySearch(_rowGroupStarts, rowInShard);
        int group = found >= 0 ? found : ~found - 1;

        // Empty row groups share their start with the next one: move to the one holding the row.
        while (RowGroupRows[group] == 0 || rowInShard >= _rowGroupStarts[group] + RowGroupRows[group])
        {
            group++;
        }

        return (group, (int)(rowInShard - _rowGroupStarts[group]));
    }
}
