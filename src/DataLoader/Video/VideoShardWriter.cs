using Parquet;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Writes one Parquet shard of caption-video rows: video2dataset's layout (key, caption, mp4,
/// status, error_message, width, height, duration, fps) or the frame-list layout (frames as a
/// list&lt;binary&gt;), in small row groups (8-64 video rows: a column is read a row group at a time).
/// </summary>
/// <remarks>Written beside its final name and renamed into place, so a reader never sees a half-written shard.</remarks>
public static class VideoShardWriter
{
    public const string SuccessStatus = "success";
    public const string FailedStatus = "failed_to_download";

    private static readonly DataField<string> KeyField = new("key", false);
    private static readonly DataField<string> CaptionField = new("caption", true);
    private static readonly DataField<byte[]> VideoField = new("mp4", true);
    private static readonly DataField<byte[]> FrameField = new("element", true);
    private static readonly ListField FramesField = new("frames", FrameField);
    private static readonly DataField<string> StatusField = new("status", false);
    private static readonly DataField<string> ErrorMessageField = new("error_message", true);
    private static readonly DataField<int?> WidthField = new("width", true);
    private static readonly DataField<int?> HeightField = new("height", true);
    private static readonly DataField<double?> DurationField = new("duration", true);
    private static readonly DataField<double?> FpsField = new("fps", true);

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> in the given layout, in row groups of <paramref name="rowGroupSize"/> rows.</summary>
    public static async Task WriteAsync(
        string path, VideoLayout layout, IReadOnlyList<VideoShardRow> rows, int rowGroupSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        Field media = layout == VideoLayout.Video2Dataset ? VideoField : FramesField;
        var schema = new ParquetSchema(
            KeyField, CaptionField, media, StatusField, ErrorMessageField, WidthField, HeightField, DurationField, FpsField);
        string fullPath = Path.GetFullPath(path);
        string temporary = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                await using (ParquetWriter writer = await ParquetWriter.CreateAsync(schema, stream, null, false, ct))
                {
                    for (int start = 0; start < rows.Count; start += rowGroupSize)
                    {
                        ct.ThrowIfCancellationRequested();
                        VideoShardRow[] group = rows.Skip(start).Take(rowGroupSize).ToArray();
                        await WriteRowGroupAsync(writer, layout, group, ct);
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

    private static async Task WriteRowGroupAsync(ParquetWriter writer, VideoLayout layout, VideoShardRow[] rows, CancellationToken ct)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        await group.WriteAsync(KeyField, rows.Select(r => r.Key).ToArray(), null);
        await group.WriteAsync(CaptionField, rows.Select(r => r.Caption).ToArray()!, null);
        bool[] present;
        if (layout == VideoLayout.Video2Dataset)
        {
            await group.WriteAsync(VideoField, rows.Select(r => r.Video).ToArray()!, null);
            present = rows.Select(r => r.Video is { Length: > 0 }).ToArray();
        }
        else
        {
            await WriteFramesAsync(group, rows, ct);
            present = rows.Select(r => r.Frames is { Count: > 0 }).ToArray();
        }

        await group.WriteAsync(StatusField, present.Select(p => p ? SuccessStatus : FailedStatus).ToArray(), null);
        await group.WriteAsync(ErrorMessageField, rows.Select(r => r.ErrorMessage).ToArray()!, null);
        await group.WriteAsync<int>(WidthField, rows.Select(r => r.Width).ToArray(), null, null, ct);
        await group.WriteAsync<int>(HeightField, rows.Select(r => r.Height).ToArray(), null, null, ct);
        await group.WriteAsync<double>(DurationField, rows.Select(r => r.Duration).ToArray(), null, null, ct);
        await group.WriteAsync<double>(FpsField, rows.Select(r => r.Fps).ToArray(), null, null, ct);
        group.CompleteValidate();
    }

    // Dremel levels of an optional list of optional binaries (Parquet's LIST logical type):
    // definition 0 = null list, 1 = empty list, 2 = null element, 3 = element present; repetition 0
    // starts a row, 1 continues its list.
    private static Task WriteFramesAsync(ParquetRowGroupWriter group, VideoShardRow[] rows, CancellationToken ct)
    {
        var values = new List<ReadOnlyMemory<byte>>();
        var definitions = new List<int>();
        var repetitions = new List<int>();
        foreach (VideoShardRow row in rows)
        {
            if (row.Frames is null || row.Frames.Count == 0)
            {
                definitions.Add(row.Frames is null ? 0 : 1);
                repetitions.Add(0);
                continue;
            }

            for (int i = 0; i < row.Frames.Count; i++)
            {
                values.Add(row.Frames[i]);
                definitions.Add(3);
                repetitions.Add(i == 0 ? 0 : 1);
            }
        }

        return group.WriteAllPartsAsync<ReadOnlyMemory<byte>>(FrameField, values.ToArray().AsMemory(), definitions.ToArray().AsMemory(), repetitions.ToArray().AsMemory(), ct);
    }
}
