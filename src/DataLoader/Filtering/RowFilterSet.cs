using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;
using Parquet.Schema;

namespace Orchestrator.DataLoader.Filtering;

/// <summary>
/// The filters one dataset sets, each bound to its metadata column: which columns a row group must
/// read, a check that the shard has them, and the first filter a row fails. A null cell (value
/// unknown) fails the filter on its column: a row is kept only when it is known to pass.
/// </summary>
internal sealed class RowFilterSet
{
    private readonly (RowFilter Filter, string Column, Func<double, bool> Keeps)[] _numeric;
    private readonly (string Column, string Value)? _status;

    public RowFilterSet(DatasetFilters filters, ColumnMap columns)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(columns);
        var numeric = new List<(RowFilter, string, Func<double, bool>)>();
        if (filters.MinWidth is { } minWidth)
        {
            numeric.Add((RowFilter.MinWidth, columns.Width, v => v >= minWidth));
        }

        if (filters.MinHeight is { } minHeight)
        {
            numeric.Add((RowFilter.MinHeight, columns.Height, v => v >= minHeight));
        }

        if (filters.MinSimilarity is { } minSimilarity)
        {
            numeric.Add((RowFilter.MinSimilarity, columns.Similarity, v => v >= minSimilarity));
        }

        if (filters.MaxPunsafe is { } maxPunsafe)
        {
            numeric.Add((RowFilter.MaxPunsafe, columns.Punsafe, v => v <= maxPunsafe));
        }

        if (filters.MaxPwatermark is { } maxPwatermark)
        {
            numeric.Add((RowFilter.MaxPwatermark, columns.Pwatermark, v => v <= maxPwatermark));
        }

        if (filters.MinAesthetic is { } minAesthetic)
        {
            numeric.Add((RowFilter.MinAesthetic, columns.AestheticScore, v => v >= minAesthetic));
        }

        _numeric = [.. numeric];
        _status = filters.Status is { } status ? (columns.Status, status) : null;
        NumericColumns = [.. _numeric.Select(f => f.Column).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>No filter set: nothing to read or check.</summary>
    public static RowFilterSet None { get; } = new(new DatasetFilters(), new ColumnMap());

    /// <summary>Numeric columns the filters read (int32, int64, float or double, nullable or not).</summary>
    public IReadOnlyList<string> NumericColumns { get; }

    /// <summary>The status column the filters read, if any.</summary>
    public string? StatusColumn => _status?.Column;

    public bool IsEmpty => _numeric.Length == 0 && _status is null;

    /// <summary>Throws a <see cref="ShardException"/> naming the file, column and filter when a filter's column is missing or of the wrong type.</summary>
    public void CheckColumns(string file, ParquetSchema schema)
    {
        foreach ((RowFilter filter, string column, _) in _numeric)
        {
            Require(file, schema, filter, column, ShardColumns.IsNumber, "a number column (int32, int64, float or double)");
        }

        if (_status is { } status)
        {
            Require(file, schema, RowFilter.Status, status.Column, ShardColumns.IsString, "a string column");
        }
    }

    /// <summary>The first filter that row <paramref name="row"/> of <paramref name="cells"/> fails, or null when it passes all.</summary>
    public RowFilter? Rejects(RowGroupCells cells, int row)
    {
        if (_status is { } status && !string.Equals(cells.Texts[status.Column][row], status.Value, StringComparison.Ordinal))
        {
            return RowFilter.Status;
        }

        foreach ((RowFilter filter, string column, Func<double, bool> keeps) in _numeric)
        {
            if (cells.Numbers[column][row] is not { } value || !keeps(value))
            {
                return filter;
            }
        }

        return null;
    }

    private static void Require(string file, ParquetSchema schema, RowFilter filter, string column, Func<DataField, bool> fits, string expected)
    {
        DataField? field = ShardColumns.Find(schema, column);
        if (field is null)
        {
            string present = string.Join(", ", schema.Fields.Select(f => f.Name));
            throw new ShardException(file, $"filter {filter} needs column '{column}', which the shard lacks (columns present: {present})");
        }

        if (!fits(field))
        {
            throw new ShardException(file, $"filter {filter} needs column '{column}' to be {expected}; it holds {field.ClrType.Name}");
        }
    }
}
