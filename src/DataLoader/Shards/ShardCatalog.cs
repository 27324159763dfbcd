using System.IO.Enumeration;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Filtering;
using Orchestrator.DataLoader.Video;
using Parquet;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// The global sample space: every shard of every source, concatenated in order, with row counts
/// and row-group sizes read from the Parquet footers only (no data is read).
/// </summary>
/// <remarks>
/// Sources are concatenated in the order given; a source's weight is not applied here (every row
/// counts once; SamplePlan mixes by weight). Within a source, shards are sorted by file name
/// (ordinal), so the same files always give the same global row numbers.
/// </remarks>
public sealed class ShardCatalog
{
    private readonly long[] _firstRows;

    private ShardCatalog(IReadOnlyList<ShardInfo> shards, IReadOnlyList<CatalogSource> sources)
    {
        Shards = shards;
        Sources = sources;
        _firstRows = shards.Select(s => s.FirstRow).ToArray();
        TotalRows = shards.Sum(s => s.RowCount);
        LargestRowGroupRows = (int)shards.SelectMany(s => s.RowGroupRows).DefaultIfEmpty(1).Max();
    }

    public IReadOnlyList<ShardInfo> Shards { get; }

    /// <summary>The dataset sources in spec order, each with its rows in the global row space.</summary>
    public IReadOnlyList<CatalogSource> Sources { get; }

    public long TotalRows { get; }

    /// <summary>Rows in the largest row group: the sample plan's block size, so that a block's reads stay within about one row group.</summary>
    public int LargestRowGroupRows { get; }

    /// <summary>
    /// Opens every shard of <paramref name="sources"/>; a missing folder, no shards, an unreadable
    /// footer, a missing image or caption column, a column a filter needs or a source whose shards
    /// hold no rows throw <see cref="ShardException"/>.
    /// </summary>
    public static async Task<ShardCatalog> OpenAsync(IReadOnlyList<DatasetSource> sources, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0)
        {
            throw new ArgumentException("At least one dataset source is needed.", nameof(sources));
        }

        var shards = new List<ShardInfo>();
        var opened = new List<CatalogSource>();
        long firstRow = 0;
        for (int s = 0; s < sources.Count; s++)
        {
            DatasetSource source = sources[s];
            long sourceFirst = firstRow;
            int firstShard = shards.Count;
            foreach (string file in ResolveFiles(source.Shards))
            {
                ShardInfo shard = await ReadFooterAsync(shards.Count, file, source, s, firstRow, ct);
                shards.Add(shard);
                firstRow += shard.RowCount;
            }

            if (firstRow == sourceFirst)
            {
                // An empty shard among others only adds no rows; a source with none could fill no batch.
                throw new ShardException(Path.GetFullPath(source.Shards),
                    $"the dataset source's {shards.Count - firstShard} shard file(s) hold no rows (expected at least one row to sample)");
            }

            int largest = (int)shards.Skip(firstShard).SelectMany(x => x.RowGroupRows).DefaultIfEmpty(1).Max();
            opened.Add(new CatalogSource(source, sourceFirst, firstRow - sourceFirst, Math.Max(largest, 1)));
        }

        return new ShardCatalog(shards, opened);
    }

    /// <summary>
    /// Throws a <see cref="ShardException"/> naming the file when a shard file belongs to both
    /// <paramref name="train"/> and <paramref name="validation"/>: held-out images must not be trained on.
    /// </summary>
    public static void CheckDisjoint(IReadOnlyList<DatasetSource> train, IReadOnlyList<DatasetSource> validation)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        var trainFiles = new HashSet<string>(train.SelectMany(s => ResolveFiles(s.Shards)), StringComparer.Ordinal);
        foreach (DatasetSource source in validation)
        {
            foreach (string file in ResolveFiles(source.Shards))
            {
                if (trainFiles.Contains(file))
                {
                    throw new ShardException(file, $"the shard is in both data.train and data.validation ({source.Shards}); validation shards must be kept apart from training shards");
                }
            }
        }
    }

    /// <summary>Shard, row group and row in group of global row <paramref name="globalRow"/> (0 to TotalRows-1).</summary>
    public RowLocation Locate(long globalRow)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(globalRow);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(globalRow, TotalRows);
        int found = Array.BinarySearch(_firstRows, globalRow);
        int index = found >= 0 ? found : ~found - 1;

        // Empty shards share their first row with the next one: move to the one holding the row.
        while (globalRow >= Shards[index].FirstRow + Shards[index].RowCount)
        {
            index++;
        }

        ShardInfo shard = Shards[index];
        (int group, int row) = shard.LocateRow(globalRow - shard.FirstRow);
        return new RowLocation(shard, group, row);
    }

    // A folder gives its *.parquet files; a path with * or ? in its file name is a glob in its folder.
    internal static IReadOnlyList<string> ResolveFiles(string shards)
    {
        if (string.IsNullOrWhiteSpace(shards))
        {
            throw new ShardException(shards, "the dataset source names no shards (expected a folder or a glob such as data/*.parquet)");
        }

        string full = Path.GetFullPath(shards);
        string fileName = Path.GetFileName(full);
        bool isGlob = fileName.Contains('*', StringComparison.Ordinal) || fileName.Contains('?', StringComparison.Ordinal);
        string folder = isGlob ? Path.GetDirectoryName(full)! : full;
        string pattern = isGlob ? fileName : "*.parquet";
        if (!Directory.Exists(folder))
        {
            throw new ShardException(folder, isGlob || !File.Exists(full)
                ? "the shard folder does not exist"
                : "expected a folder of .parquet files or a glob, found a file without a wildcard");
        }

        string[] files = Directory.EnumerateFiles(folder)
            .Where(f => FileSystemName.MatchesSimpleExpression(pattern, Path.GetFileName(f), ignoreCase: false))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new ShardException(full, isGlob ? "no files match the glob" : "the folder holds no .parquet files");
        }

        return files;
    }

    internal static async Task<ShardInfo> ReadFooterAsync(int index, string file, DatasetSource source, int sourceIndex, long firstRow, CancellationToken ct)
    {
        ParquetSchema schema;
        long[] rowGroupRows;
        try
        {
            await using ParquetReader reader = await ShardFile.OpenAsync(file, ct);
            schema = reader.Schema;
            rowGroupRows = reader.Metadata?.RowGroups.Select(g => g.NumRows).ToArray()
                ?? throw new InvalidDataException("the footer has no file metadata");
        }
        catch (Exception e) when (e is not OperationCanceledException and not ShardException)
        {
            // Parquet.Net reports damaged files with many exception types (DESIGN.md, "Facts").
            throw new ShardException(file, $"cannot read the Parquet footer ({e.GetType().Name}: {e.Message})", e);
        }

        if (rowGroupRows.Any(n => n < 0))
        {
            throw new ShardException(file, "the footer gives a negative row count");
        }

        ColumnMap columns = source.Columns with { Caption = ShardColumns.Caption(schema, source.Columns.Caption) };
        RequireColumn(file, schema, columns.Caption, ShardColumns.IsString, "a string column",
            $" (nor the fallbacks {string.Join(", ", ShardColumns.CaptionFallbacks.Select(c => $"'{c}'"))})");
        VideoLayout? video = source.Layout switch
        {
            "video2dataset" => VideoLayout.Video2Dataset,
            "frame-list" => VideoLayout.FrameList,
            _ => null,
        };
        if (video == VideoLayout.FrameList)
        {
            RequireFrameList(file, schema, columns.Frames);
        }
        else
        {
            RequireColumn(file, schema, video is null ? columns.Image : columns.Video, ShardColumns.IsBinary,
                video is null ? "a binary column of encoded images" : "a binary column of encoded videos (mp4)");
        }

        var filters = new RowFilterSet(source.Filters, columns);
        filters.CheckColumns(file, schema);
        bool hasKey = ShardColumns.Find(schema, columns.Key) is { } key && ShardColumns.IsString(key);
        return new ShardInfo(index, file, columns, hasKey, firstRow, rowGroupRows, sourceIndex, filters, video);
    }

    private static void RequireFrameList(string file, ParquetSchema schema, string name)
    {
        if (schema.Fields.OfType<ListField>().FirstOrDefault(f => f.Name == name) is not { Item: DataField item } || !ShardColumns.IsBinary(item))
        {
            string present = string.Join(", ", schema.Fields.Select(f => $"{f.Name} ({f.SchemaType})"));
            throw new ShardException(file, $"no list column '{name}' of binary frames (expected the frame-list layout's encoded frames; columns present: {present})");
        }
    }

    private static void RequireColumn(
        string file, ParquetSchema schema, string name, Func<DataField, bool> fits, string expected, string alsoTried = "")
    {
        DataField? field = ShardColumns.Find(schema, name);
        if (field is null)
        {
            string present = string.Join(", ", schema.Fields.Select(f => f.Name));
            throw new ShardException(file, $"missing column '{name}'{alsoTried} (expected {expected}; columns present: {present})");
        }

        if (!fits(field))
        {
            throw new ShardException(file, $"column '{name}' holds {field.ClrType.Name}{(field.IsArray ? "[]" : "")}, expected {expected}");
        }
    }
}
