namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// One row of an img2dataset-layout shard. A null <see cref="Image"/> is a failed download: it is
/// written with status "failed_to_download" and its <see cref="ErrorMessage"/>, as img2dataset does.
/// </summary>
public sealed record ShardRow(string Key, string? Caption, byte[]? Image)
{
    /// <summary>Width of the stored image.</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }

    /// <summary>Width of the image as downloaded, before any resize.</summary>
    public int? OriginalWidth { get; init; }
    public int? OriginalHeight { get; init; }
    public string? Url { get; init; }
    public string? ErrorMessage { get; init; }
}
