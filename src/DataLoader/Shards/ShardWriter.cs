using System.Security.Cryptography;
using Parquet;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// Writes one Parquet shard in img2dataset's parquet layout (key, caption, jpg, width, height,
/// original_width, original_height, status, error_message, sha256, url), in small row groups.
/// </summary>
/// <remarks>
/// Parquet.Net reads a column a whole row group at a time, so small row groups (100-1000 image
/// rows) keep a random read cheap. The file is written beside its final name and renamed into
/// place, so a reader never sees a half-written shard.
/// </remarks>
public static class ShardWriter
{
    public const string SuccessStatus = "success";
    public const string FailedStatus = "failed_to_download";

    private static readonly DataField<string> KeyField = new("key", false);
    private static readonly DataField<string> CaptionField = new("caption", true);
    private static readonly DataField<byte[]> ImageField = new("jpg", true);
    private static readonly DataField<int?> WidthField = new("width", true);
    private static readonly DataField<int?> HeightField = new("height", true);
    private static readonly DataField<int?> OriginalWidthField = new("original_width", true);
    private static readonly DataField<int?> OriginalHeightField = new("original_height", true);
    private static readonly DataField<string> StatusField = new("status", false);
    private static readonly DataField<string> ErrorMessageField = new("error_message", true);
    private static readonly DataField<string> Sha256Field = new("sha256", true);
    private static readonly DataField<string> UrlField = new("url", true);

    private static readonly ParquetSchema Schema = new(
        KeyField, CaptionField, ImageField, WidthField, HeightField, OriginalWidthField, OriginalHeightField,
        StatusField, ErrorMessageField, Sha256Field, UrlField);

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> in row groups of <paramref name="rowGroupSize"/> rows, replacing any file there.</summary>
    public static async Task WriteAsync(
        string path, IReadOnlyList<ShardRow> rows, int rowGroupSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        string fullPath = Path.GetFullPath(path);
        string temporary = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                await using (ParquetWriter writer = await ParquetWriter.CreateAsync(Schema, stream, null, false, ct))
                {
                    for (int start = 0; start < rows.Count; start += rowGroupSize)
                    {
                        ct.ThrowIfCancellationRequested();
                        ShardRow[] group = rows.Skip(start).Take(rowGroupSize).ToArray();
                        await WriteRowGroupAsync(writer, group, ct);
                    }
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static async Task WriteRowGroupAsync(ParquetWriter writer, ShardRow[] rows, CancellationToken ct)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        await group.WriteAsync(KeyField, rows.Select(r => r.Key).ToArray(), null);
        await group.WriteAsync(CaptionField, rows.Select(r => r.Caption).ToArray()!, null);
        await group.WriteAsync(ImageField, rows.Select(r => r.Image).ToArray()!, null);
        await WriteIntsAsync(group, WidthField, rows.Select(r => r.Width), ct);
        await WriteIntsAsync(group, HeightField, rows.Select(r => r.Height), ct);
        await WriteIntsAsync(group, OriginalWidthField, rows.Select(r => r.OriginalWidth), ct);
        await WriteIntsAsync(group, OriginalHeightField, rows.Select(r => r.OriginalHeight), ct);
        await group.WriteAsync(StatusField, rows.Select(r => r.Image is null ? FailedStatus : SuccessStatus).ToArray(), null);
        await group.WriteAsync(ErrorMessageField, rows.Select(r => r.ErrorMessage).ToArray()!, null);
        await group.WriteAsync(Sha256Field, rows.Select(r => r.Image is null ? null : Sha256Hex(r.Image)).ToArray()!, null);
        await group.WriteAsync(UrlField, rows.Select(r => r.Url).ToArray()!, null);
        group.CompleteValidate();
    }

    private static Task WriteIntsAsync(ParquetRowGroupWriter group, DataField field, IEnumerable<int?> values, CancellationToken ct) =>
        group.WriteAsync<int>(field, new ReadOnlyMemory<int?>(values.ToArray()), null, null, ct);

    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
