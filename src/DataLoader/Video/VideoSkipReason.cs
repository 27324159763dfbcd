namespace Orchestrator.DataLoader.Video;

/// <summary>Why a video row was left out of a batch (counted per reason, DESIGN.md "Data"); the video counterpart of RowSkipReason.</summary>
public enum VideoSkipReason
{
    /// <summary>The video cell is null or empty (video2dataset keeps failed downloads that way), or a frame list holds no frames.</summary>
    MissingVideo,

    /// <summary>The bytes are not a container FFmpeg can open (garbage, an image, text).</summary>
    NotAVideo,

    /// <summary>The container starts well but its data end early (a cut download: no moov, or a box past the end).</summary>
    Truncated,

    /// <summary>The container holds no video stream (audio only, or no streams at all).</summary>
    NoVideoStream,

    /// <summary>The video stream holds no frames, or none could be decoded.</summary>
    ZeroFrames,

    /// <summary>The video has fewer frames than a clip needs and the spec says not to pad (data.clip.pad: false).</summary>
    TooFewFrames,

    /// <summary>The stream's codec is one the installed FFmpeg cannot decode.</summary>
    UnsupportedCodec,

    /// <summary>The header states a width or height of zero or above the limit, refused before decoding.</summary>
    AbsurdDimensions,

    /// <summary>FFmpeg did not deliver the clip within the time limit; the process was killed.</summary>
    DecoderTimeout,

    /// <summary>FFmpeg failed for another reason (its message is in the detail), or a listed frame is not a decodable image.</summary>
    Undecodable,

    /// <summary>The caption is null, empty or only whitespace.</summary>
    EmptyCaption,

    /// <summary>The row group holding the row could not be read (damaged shard); logged with file, row group and cause.</summary>
    UnreadableRowGroup,
}
