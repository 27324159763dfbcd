namespace Orchestrator.DataLoader.Video;

/// <summary>How a video shard stores its clips.</summary>
public enum VideoLayout
{
    /// <summary>video2dataset's parquet output: one encoded video (mp4) per row in a binary column.</summary>
    Video2Dataset,

    /// <summary>A clip as a list of encoded frames (JPEG or PNG) in a Parquet list&lt;binary&gt; column.</summary>
    FrameList,
}
