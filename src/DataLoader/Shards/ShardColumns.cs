using Parquet.Schema;

namespace Orchestrator.DataLoader.Shards;

/// <summary>Finding a shard's top-level columns by name and checking their types.</summary>
internal static class ShardColumns
{
    /// <summary>Caption columns tried, in order, when the mapped one is absent: img2dataset's webdataset-style `txt`, then LAION metadata's `TEXT`.</summary>
    public static readonly string[] CaptionFallbacks = ["txt", "TEXT"];

    public static DataField? Find(ParquetSchema schema, string name) =>
        schema.Fields.OfType<DataField>().FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    public static bool IsString(DataField field) =>
        !field.IsArray && (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>));

    public static bool IsBinary(DataField field) =>
        !field.IsArray && (field.ClrType == typeof(byte[]) || field.ClrType == typeof(ReadOnlyMemory<byte>));

    public static bool IsNumber(DataField field) =>
        !field.IsArray && (field.ClrType == typeof(int) || field.ClrType == typeof(long)
            || field.ClrType == typeof(float) || field.ClrType == typeof(double));

    /// <summary>The caption column: the mapped name when present, else the first fallback present, else the mapped name (which then fails the column check).</summary>
    public static string Caption(ParquetSchema schema, string mapped) =>
        Find(schema, mapped) is not null
            ? mapped
            : CaptionFallbacks.FirstOrDefault(name => Find(schema, name) is not null) ?? mapped;
}
