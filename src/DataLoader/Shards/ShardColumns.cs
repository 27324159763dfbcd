using Parquet.Schema;

namespace Orchestrator.DataLoader.Shards;

/// <summary>Finding a shard's top-level columns by name and checking their types.</summary>
internal static class ShardColumns
{
    public static DataField? Find(ParquetSchema schema, string name) =>
        schema.Fields.OfType<DataField>().FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    public static bool IsString(DataField field) =>
        !field.IsArray && (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>));

    public static bool IsBinary(DataField field) =>
        !field.IsArray && (field.ClrType == typeof(byte[]) || field.ClrType == typeof(ReadOnlyMemory<byte>));
}
