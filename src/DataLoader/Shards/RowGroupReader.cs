using System.Globalization;
using System.Runtime.InteropServices;
using Orchestrator.DataLoader.Video;
using Parquet;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Shards;

/// <summary>Reads the key, caption and image columns of one row group of a shard (Parquet.Net reads a column a whole row group at a time).</summary>
internal static class RowGroupReader
{
    /// <summary>The cells of row group <paramref name="rowGroup"/>; any failure is a <see cref="ShardException"/> naming file and row group.</summary>
    public static async Task<RowGroupCells> ReadAsync(ShardInfo shard, int rowGroup, CancellationToken ct)
    {
        try
        {
            await using ParquetReader reader = await ShardFile.OpenAsync(shard.Path, ct);
            if (rowGroup >= reader.RowGroupCount)
            {
                throw new InvalidDataException($"the file now has {reader.RowGroupCount} row groups; the catalog saw more");
            }

            ParquetRowGroupReader group = reader.OpenRowGroupReader(rowGroup);
            int rows = checked((int)group.RowCount);
            if (rows != shard.RowGroupRows[rowGroup])
            {
                throw new InvalidDataException($"the row group now has {rows} rows; the catalog saw {shard.RowGroupRows[rowGroup]}");
            }

            var captions = new string?[rows];
            await group.ReadAsync(Field(reader.Schema, shard.Columns.Caption), captions.AsMemory()!, null, ct);
            byte[]?[] images = new byte[]?[rows];
            IReadOnlyList<byte[]?>?[]? frames = null;
            if (shard.Video == VideoLayout.FrameList)
            {
                frames = await VideoShardReader.ReadFramesAsync(reader.Schema, group, shard.Columns.Frames, rows, ct);
            }
            else
            {
                string media = shard.Video is null ? shard.Columns.Image : shard.Columns.Video;
                images = await ReadBinaryAsync(group, Field(reader.Schema, media), rows, ct);
            }

            var keys = new string?[rows];
            if (shard.HasKeyColumn)
            {
                await group.ReadAsync(Field(reader.Schema, shard.Columns.Key), keys.AsMemory(), null, ct);
            }

            long start = shard.RowGroupStart(rowGroup);
            string name = Path.GetFileNameWithoutExtension(shard.Path);
            string[] filledKeys = keys
                .Select((key, i) => key ?? string.Create(CultureInfo.InvariantCulture, $"{name}:{start + i}"))
                .ToArray();
            var numbers = new Dictionary<string, double?[]>(StringComparer.Ordinal);
            foreach (string column in shard.Filters.NumericColumns)
            {
                numbers[column] = await ReadNumbersAsync(group, Field(reader.Schema, column), rows, ct);
            }

            var texts = new Dictionary<string, string?[]>(StringComparer.Ordinal);
            if (shard.Filters.StatusColumn is { } statusColumn)
            {
                var statuses = new string?[rows];
                await group.ReadAsync(Field(reader.Schema, statusColumn), statuses.AsMemory()!, null, ct);
                texts[statusColumn] = statuses;
            }

            return new RowGroupCells(filledKeys, captions, images) { Numbers = numbers, Texts = texts, Frames = frames };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Parquet.Net reports damaged data with many exception types (DESIGN.md, "Facts").
            throw new ShardException(shard.Path, rowGroup, $"cannot read the row group ({e.GetType().Name}: {e.Message})", e);
        }
    }

    // Parquet.Net's byte[] overload copies every cell a second time (its decoder already made each one an
    // array of its own); the raw read hands over those arrays, about half the garbage of an image column.
    private static async Task<byte[]?[]> ReadBinaryAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken ct)
    {
        var values = new ReadOnlyMemory<byte>[rows];
        int[]? levels = field.MaxDefinitionLevel > 0 ? new int[rows] : null;
        // A required column has no definition levels: pass none (a bare null would become an empty buffer, too small).
        Memory<int>? levelBuffer = levels is null ? default(Memory<int>?) : levels.AsMemory();
        await group.ReadRawAsync(field, values.AsMemory(), levelBuffer, null, ct);
        var cells = new byte[]?[rows];
        int next = 0;
        for (int i = 0; i < rows; i++)
        {
            // Values hold the non-null cells only; a definition level under the maximum marks a null.
            if (levels is null || levels[i] == field.MaxDefinitionLevel)
            {
                cells[i] = WholeArray(values[next++]);
            }
        }

        return cells;
    }

    private static byte[] WholeArray(ReadOnlyMemory<byte> value) =>
        MemoryMarshal.TryGetArray(value, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : value.ToArray();

    // img2dataset writes width/height as int64 and LAION's scores are float or double; all compare as double.
    private static Task<double?[]> ReadNumbersAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken ct) =>
        field.ClrType == typeof(int) ? ReadAsAsync<int>(group, field, rows, v => v, ct)
        : field.ClrType == typeof(long) ? ReadAsAsync<long>(group, field, rows, v => v, ct)
        : field.ClrType == typeof(float) ? ReadAsAsync<float>(group, field, rows, Widen, ct)
        : field.ClrType == typeof(double) ? ReadAsAsync<double>(group, field, rows, v => v, ct)
        : throw new InvalidDataException($"column '{field.Name}' holds {field.ClrType.Name}, expected a number");

    private static async Task<double?[]> ReadAsAsync<T>(ParquetRowGroupReader group, DataField field, int rows, Func<T, double> widen, CancellationToken ct)
        where T : struct
    {
        var result = new double?[rows];
        if (field.IsNullable)
        {
            var values = new T?[rows];
            await group.ReadAsync<T>(field, values.AsMemory(), null, ct);
            for (int i = 0; i < rows; i++)
            {
                result[i] = values[i] is { } value ? widen(value) : null;
            }
        }
        else
        {
            var values = new T[rows];
            await group.ReadAsync<T>(field, values.AsMemory(), null, ct);
            for (int i = 0; i < rows; i++)
            {
                result[i] = widen(values[i]);
            }
        }

        return result;
    }

    // A float cell compares at its own 7-digit precision: 0.1f is 0.1, not 0.100000001 (which would fail max 0.1).
    private static double Widen(float value) => float.IsFinite(value) ? (double)(decimal)value : value;

    private static DataField Field(ParquetSchema schema, string name) =>
        ShardColumns.Find(schema, name) ?? throw new InvalidDataException($"column '{name}' is gone from the file");
}
