namespace Orchestrator.DataLoader.Video;

/// <summary>One caption-video row to write: an encoded video (video2dataset layout) or a list of encoded frames (frame-list layout).</summary>
public sealed record VideoShardRow(string Key, string? Caption)
{
    /// <summary>Encoded video bytes (mp4); null for a failed download or in the frame-list layout.</summary>
    public byte[]? Video { get; init; }

    /// <summary>Encoded frames (JPEG or PNG) in order; null in the video2dataset layout.</summary>
    public IReadOnlyList<byte[]>? Frames { get; init; }

    public int? Width { get; init; }
    public int? Height { get; init; }

    /// <summary>Length in seconds.</summary>
    public double? Duration { get; init; }
    public double? Fps { get; init; }
    public string? ErrorMessage { get; init; }
}
