using System.Globalization;
using Orchestrator.Core.RunSpec;
using Parquet;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// What one shard holds, from its footer and the caption column of its first row group only:
/// schema, rows, row groups, file size, which img2dataset columns it has, and its first captions.
/// </summary>
public sealed record ShardInspection(
    string Path,
    long FileBytes,
    IReadOnlyList<ShardInspection.Column> Schema,
    IReadOnlyList<long> RowGroupRows,
    IReadOnlyList<string> Img2DatasetPresent,
    IReadOnlyList<string> Img2DatasetMissing,
    IReadOnlyList<string?> FirstCaptions)
{
    /// <summary>How many captions of the first row group are shown.</summary>
    public const int CaptionsShown = 3;

    public long Rows => RowGroupRows.Sum();

    /// <summary>Reads the footer of <paramref name="file"/> and the first captions; an unreadable file throws <see cref="ShardException"/>.</summary>
    public static async Task<ShardInspection> InspectAsync(string file, ColumnMap? columns = null, CancellationToken ct = default)
    {
        columns ??= new ColumnMap();
        string path = System.IO.Path.GetFullPath(file);
        try
        {
            long bytes = new FileInfo(path).Length;
            await using ParquetReader reader = await ShardFile.OpenAsync(path, ct);
            long[] groups = reader.Metadata?.RowGroups.Select(g => g.NumRows).ToArray()
                ?? throw new InvalidDataException("the footer has no file metadata");
            Column[] schema = reader.Schema.Fields.Select(Describe).ToArray();
            columns = columns with { Caption = ShardColumns.Caption(reader.Schema, columns.Caption) };
            string[] expected = [columns.Key, columns.Caption, columns.Image, "width", "height", "status"];
            string[] present = expected.Where(name => ShardColumns.Find(reader.Schema, name) is not null).ToArray();
            string?[] captions = [];
            if (ShardColumns.Find(reader.Schema, columns.Caption) is { } caption && ShardColumns.IsString(caption) && reader.RowGroupCount > 0)
            {
                ParquetRowGroupReader group = reader.OpenRowGroupReader(0);
                var all = new string?[checked((int)group.RowCount)];
                await group.ReadAsync(caption, all.AsMemory()!, null, ct);
                captions = all.Take(CaptionsShown).ToArray();
            }

            return new ShardInspection(path, bytes, schema, groups, present, expected.Except(present).ToArray(), captions);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Parquet.Net reports damaged files with many exception types (DESIGN.md, "Facts").
            throw new ShardException(path, $"cannot read the shard ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>The report lines of this shard.</summary>
    public IEnumerable<string> Describe()
    {
        yield return Path;
        yield return string.Create(CultureInfo.InvariantCulture, $"  size {FileBytes} bytes, {Rows} rows in {RowGroupRows.Count} row groups ({GroupRange(RowGroupRows)})");
        yield return "  schema: " + string.Join(", ", Schema.Select(c => $"{c.Name} {c.Type}"));
        yield return Img2DatasetMissing.Count == 0
            ? "  img2dataset columns: all present (" + string.Join(", ", Img2DatasetPresent) + ")"
            : "  img2dataset columns: missing " + string.Join(", ", Img2DatasetMissing)
              + (Img2DatasetPresent.Count > 0 ? "; present " + string.Join(", ", Img2DatasetPresent) : "");
        if (FirstCaptions.Count > 0)
        {
            yield return "  first captions:";
            foreach (string? caption in FirstCaptions)
            {
                yield return caption is null ? "    (null)" : $"    \"{caption}\"";
            }
        }
    }

    /// <summary>The totals line over <paramref name="shards"/>.</summary>
    public static string DescribeTotals(IReadOnlyList<ShardInspection> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        long[] groups = shards.SelectMany(s => s.RowGroupRows).ToArray();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"total: {shards.Count} shards, {shards.Sum(s => s.Rows)} rows in {groups.Length} row groups ({GroupRange(groups)}), {shards.Sum(s => s.FileBytes)} bytes");
    }

    private static string GroupRange(IReadOnlyList<long> groups) =>
        groups.Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{groups.Min()}-{groups.Max()} rows per group");

    private static Column Describe(Field field) => field switch
    {
        DataField data => new Column(data.Name, TypeName(data)),
        _ => new Column(field.Name, field.SchemaType.ToString().ToLowerInvariant()),
    };

    private static string TypeName(DataField field)
    {
        Type type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        string name = type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) ? "binary"
            : type == typeof(string) || type == typeof(ReadOnlyMemory<char>) ? "string"
            : type.Name.ToLowerInvariant();
        return name + (field.IsArray ? "[]" : "") + (field.IsNullable ? "?" : "");
    }

    /// <summary>One top-level column: its name and type (e.g. "binary?", "int32?", "string").</summary>
    public sealed record Column(string Name, string Type);
}
