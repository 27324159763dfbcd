using System.Globalization;
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
            await using ParquetReader reader = await ParquetReader.CreateAsync(shard.Path, null, ct);
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
            var images = new byte[]?[rows];
            await group.ReadAsync(Field(reader.Schema, shard.Columns.Image), images.AsMemory()!, null, ct);
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
            return new RowGroupCells(filledKeys, captions, images);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Parquet.Net reports damaged data with many exception types (DESIGN.md, "Facts").
            throw new ShardException(shard.Path, rowGroup, $"cannot read the row group ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static DataField Field(ParquetSchema schema, string name) =>
        ShardColumns.Find(schema, name) ?? throw new InvalidDataException($"column '{name}' is gone from the file");
}
