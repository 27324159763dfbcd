namespace Orchestrator.DataLoader.Tests.Filtering;

/// <summary>A numeric metadata column of a test shard: its Parquet type (int, long, float, double), nullability and values.</summary>
internal sealed record MetadataColumn(string Name, Type Type, bool Nullable, double?[] Values);
