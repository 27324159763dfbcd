namespace Orchestrator.DataLoader.Video;

/// <summary>How a <see cref="ClipSampler"/> decodes encoded video rows.</summary>
public enum VideoDecoderBackend
{
    /// <summary>In process when FFmpeg's shared libraries load and their release is known, else the ffmpeg process.</summary>
    Auto,

    /// <summary>In process through libavformat/libavcodec/libswscale; the sampler refuses to start when they cannot load.</summary>
    InProcess,

    /// <summary>One ffmpeg process per clip (the fallback; the only backend with a per-clip timeout).</summary>
    Process,
}
