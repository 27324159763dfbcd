using Orchestrator.DataLoader.Tests.Shards;
using Parquet;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Tests.Filtering;

/// <summary>Writes shards in other layouts than ShardWriter's: any caption column name, LAION score columns of any numeric type.</summary>
internal static class MetadataShard
{
    /// <summary>Rows 0..n-1 of the synthetic set (keys, captions, JPEGs), with a status column when <paramref name="statuses"/> is given and the numeric columns; the image column may be declared required.</summary>
    public static async Task WriteAsync(
        string path, int rows, int rowGroupSize, IReadOnlyList<MetadataColumn> numbers,
        string[]? statuses = null, string captionColumn = "caption", long firstIndex = 0, bool nullableImage = true)
    {
        var key = new DataField<string>("key", false);
        var caption = new DataField<string>(captionColumn, true);
        var image = new DataField<byte[]>("jpg", nullableImage);
        var status = new DataField<string>("status", true);
        var numberFields = numbers.Select(n => new DataField(n.Name, n.Type, n.Nullable)).ToArray();
        var fields = new List<Field> { key, caption, image };
        if (statuses is not null)
        {
            fields.Add(status);
        }

        fields.AddRange(numberFields);
        var all = Enumerable.Range(0, rows).Select(i => ShardFiles.Row(firstIndex + i)).ToArray();
        await using var stream = File.Create(path);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        for (int start = 0; start < rows; start += rowGroupSize)
        {
            int n = Math.Min(rowGroupSize, rows - start);
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            await group.WriteAsync(key, all.Skip(start).Take(n).Select(r => r.Key).ToArray(), null);
            await group.WriteAsync(caption, all.Skip(start).Take(n).Select(r => r.Caption).ToArray()!, null);
            await group.WriteAsync(image, all.Skip(start).Take(n).Select(r => r.Image).ToArray()!, null);
            if (statuses is not null)
            {
                await group.WriteAsync(status, statuses.Skip(start).Take(n).ToArray(), null);
            }

            for (int c = 0; c < numbers.Count; c++)
            {
                await WriteNumbersAsync(group, numberFields[c], numbers[c], numbers[c].Values.Skip(start).Take(n).ToArray());
            }

            group.CompleteValidate();
        }
    }

    private static Task WriteNumbersAsync(ParquetRowGroupWriter group, DataField field, MetadataColumn column, double?[] values) =>
        column.Type == typeof(int) ? WriteAsAsync(group, field, column.Nullable, values, v => (int)v)
        : column.Type == typeof(long) ? WriteAsAsync(group, field, column.Nullable, values, v => (long)v)
        : column.Type == typeof(float) ? WriteAsAsync(group, field, column.Nullable, values, v => (float)v)
        : WriteAsAsync(group, field, column.Nullable, values, v => v);

    private static Task WriteAsAsync<T>(ParquetRowGroupWriter group, DataField field, bool nullable, double?[] values, Func<double, T> narrow)
        where T : struct =>
        nullable
            ? group.WriteAsync<T>(field, new ReadOnlyMemory<T?>([.. values.Select(v => v is { } x ? narrow(x) : (T?)null)]))
            : group.WriteAsync<T>(field, new ReadOnlyMemory<T>([.. values.Select(v => narrow(v!.Value))]));
}
