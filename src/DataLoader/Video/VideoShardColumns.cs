namespace Orchestrator.DataLoader.Video;

/// <summary>Column names of a video shard; the defaults are video2dataset's (and "frames" for the frame-list layout).</summary>
public sealed record VideoShardColumns
{
    public VideoLayout Layout { get; init; } = VideoLayout.Video2Dataset;
    public string Key { get; init; } = "key";
    public string Caption { get; init; } = "caption";

    /// <summary>The media column: encoded video bytes, or the list of encoded frames.</summary>
    public string Media { get; init; } = "mp4";

    /// <summary>The default columns of a frame-list shard.</summary>
    public static VideoShardColumns FrameList { get; } = new() { Layout = VideoLayout.FrameList, Media = "frames" };
}
