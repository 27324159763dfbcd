using System.Globalization;
using Orchestrator.DataLoader.Shards;
using Parquet;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Video;

/// <summary>Reads row groups of a caption-video shard in either layout; any failure is an <see cref="InvalidDataException"/> naming the file and row group.</summary>
public static class VideoShardReader
{
    /// <summary>Rows per row group of <paramref name="path"/>, from the footer alone.</summary>
    public static async Task<IReadOnlyList<long>> RowGroupRowsAsync(string path, CancellationToken ct = default)
    {
        try
        {
            await using ParquetReader reader = await ShardFile.OpenAsync(path, ct);
            return Enumerable.Range(0, reader.RowGroupCount).Select(i => reader.OpenRowGroupReader(i).RowCount).ToArray();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"{path}: cannot read the shard's footer ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>The key, caption and media cells of row group <paramref name="rowGroup"/> of <paramref name="path"/>.</summary>
    public static async Task<VideoRowGroup> ReadAsync(string path, int rowGroup, VideoShardColumns columns, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        try
        {
            await using ParquetReader reader = await ShardFile.OpenAsync(path, ct);
            if (rowGroup < 0 || rowGroup >= reader.RowGroupCount)
            {
                throw new InvalidDataException($"the file has {reader.RowGroupCount} row groups; row group {rowGroup} was asked for");
            }

            long firstRow = 0;
            for (int g = 0; g < rowGroup; g++)
            {
                firstRow += reader.OpenRowGroupReader(g).RowCount;
            }

            ParquetRowGroupReader group = reader.OpenRowGroupReader(rowGroup);
            int rows = checked((int)group.RowCount);
            var captions = new string?[rows];
            await group.ReadAsync(TopLevel(reader.Schema, columns.Caption, "caption"), captions.AsMemory(), null, ct);
            var keys = new string?[rows];
            if (reader.Schema.Fields.OfType<DataField>().Any(f => f.Name == columns.Key))
            {
                await group.ReadAsync(TopLevel(reader.Schema, columns.Key, "key"), keys.AsMemory(), null, ct);
            }

            string name = Path.GetFileNameWithoutExtension(path);
            string[] filledKeys = keys
                .Select((key, i) => key ?? string.Create(CultureInfo.InvariantCulture, $"{name}:{firstRow + i}"))
                .ToArray();
            if (columns.Layout == VideoLayout.Video2Dataset)
            {
                var videos = new byte[]?[rows];
                await group.ReadAsync(TopLevel(reader.Schema, columns.Media, "video bytes"), videos.AsMemory(), null, ct);
                return new VideoRowGroup(path, rowGroup, firstRow, filledKeys, captions, videos, null);
            }

            return new VideoRowGroup(path, rowGroup, firstRow, filledKeys, captions, null, await ReadFramesAsync(reader.Schema, group, columns.Media, rows, ct));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Parquet.Net reports damaged data with many exception types (DESIGN.md, "Facts").
            throw new InvalidDataException($"{path}: row group {rowGroup}: cannot read it ({e.GetType().Name}: {e.Message})", e);
        }
    }

    // A list<binary> column comes back flat with Dremel levels: repetition 0 starts a row;
    // definition below the maximum is a null or empty list (or a null element).
    internal static async Task<IReadOnlyList<byte[]?>?[]> ReadFramesAsync(
        ParquetSchema schema, ParquetRowGroupReader group, string name, int rows, CancellationToken ct)
    {
        ListField list = schema.Fields.OfType<ListField>().FirstOrDefault(f => f.Name == name)
            ?? throw new InvalidDataException($"no list column '{name}' (expected the frames as a list<binary>)");
        DataField element = list.Item as DataField
            ?? throw new InvalidDataException($"column '{name}' is a list of {list.Item.SchemaType}, expected a list of binary frames");
        int levels = checked((int)group.GetMetadata(element)!.MetaData!.NumValues);
        var values = new ReadOnlyMemory<byte>[levels];
        var definitions = new int[levels];
        var repetitions = new int[levels];
        await group.ReadRawAsync<ReadOnlyMemory<byte>>(element, values, definitions, repetitions, ct);
        var result = new IReadOnlyList<byte[]?>?[rows];
        int row = -1;
        int value = 0;
        List<byte[]?>? current = null;
        for (int i = 0; i < definitions.Length; i++)
        {
            if (repetitions[i] == 0)
            {
                row++;
                if (row >= rows)
                {
                    throw new InvalidDataException($"column '{name}' holds more lists than the row group's {rows} rows");
                }

                current = definitions[i] == 0 ? null : [];
                result[row] = current;
            }

            if (definitions[i] == element.MaxDefinitionLevel)
            {
                current?.Add(values[value++].ToArray());
            }
            else if (definitions[i] == element.MaxDefinitionLevel - 1)
            {
                current?.Add(null);
            }
        }

        return result;
    }

    private static DataField TopLevel(ParquetSchema schema, string name, string what) =>
        schema.Fields.OfType<DataField>().FirstOrDefault(f => f.Name == name)
            ?? throw new InvalidDataException($"no {what} column '{name}'");
}
