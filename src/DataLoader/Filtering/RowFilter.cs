namespace Orchestrator.DataLoader.Filtering;

/// <summary>A metadata filter of a dataset (run spec data.train[i].filters), checked before a row is decoded.</summary>
public enum RowFilter
{
    /// <summary>Stored width (columns.width) below filters.min_width, or unknown.</summary>
    MinWidth,

    /// <summary>Stored height (columns.height) below filters.min_height, or unknown.</summary>
    MinHeight,

    /// <summary>Status (columns.status) other than filters.status, such as failed_to_download.</summary>
    Status,

    /// <summary>CLIP similarity (columns.similarity) below filters.min_similarity, or unknown.</summary>
    MinSimilarity,

    /// <summary>Unsafe probability (columns.punsafe) above filters.max_punsafe, or unknown.</summary>
    MaxPunsafe,

    /// <summary>Watermark probability (columns.pwatermark) above filters.max_pwatermark, or unknown.</summary>
    MaxPwatermark,

    /// <summary>Aesthetic score (columns.aesthetic_score) below filters.min_aesthetic, or unknown.</summary>
    MinAesthetic,
}
