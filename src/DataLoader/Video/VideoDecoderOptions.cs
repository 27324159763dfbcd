namespace Orchestrator.DataLoader.Video;

/// <summary>Which decoder, where FFmpeg is and the limits it runs under.</summary>
public sealed record VideoDecoderOptions
{
    /// <summary>In process (FFmpeg's libraries) or one ffmpeg process per clip; Auto takes the libraries when they load.</summary>
    public VideoDecoderBackend Backend { get; init; } = VideoDecoderBackend.Auto;

    /// <summary>The ffmpeg executable for the process backend (a name looked up on PATH, or a path); Debian's is /usr/bin/ffmpeg.</summary>
    public string FfmpegPath { get; init; } = "ffmpeg";

    /// <summary>The ffprobe executable, used only for containers other than mp4/mov.</summary>
    public string FfprobePath { get; init; } = "ffprobe";

    /// <summary>Longest one FFmpeg process may run; past it the process is killed and the row skipped. The in-process decoder has no timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest width or height accepted; larger (or zero) is refused before decoding.</summary>
    public int MaxSide { get; init; } = 8192;

    /// <summary>Folder of the process backend's temporary video files; null picks /dev/shm (memory) when present, else the temp folder.</summary>
    public string? TempDirectory { get; init; }
}
