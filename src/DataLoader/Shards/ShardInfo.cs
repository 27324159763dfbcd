using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Filtering;
using Orchestrator.DataLoader.Video;

namespace Orchestrator.DataLoader.Shards;

/// <summary>One shard of a catalog: its file, column names, row groups, and where its rows sit in the global row space.</summary>
public sealed class ShardInfo
{
    private readonly long[] _rowGroupStarts;

    internal ShardInfo(
        int index, string path, ColumnMap columns, bool hasKeyColumn, long firstRow, IReadOnlyList<long> rowGroupRows,
        int source = 0, RowFilterSet? filters = null, VideoLayout? video = null)
    {
        Video = video;
        Source = source;
        Filters = filters ?? RowFilterSet.None;
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

    /// <summary>Column names of the shard: its source's map, with the caption column that was found (see <see cref="ShardColumns.CaptionFallbacks"/>).</summary>
    public ColumnMap Columns { get; }

    /// <summary>Index of the dataset source (in spec order) that the shard belongs to.</summary>
    public int Source { get; }

    internal RowFilterSet Filters { get; }

    /// <summary>How the shard stores clips (columns.video or columns.frames); null for a shard of images (columns.image).</summary>
    public VideoLayout? Video { get; }

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
