namespace Orchestrator.DataLoader.Video.Native;

/// <summary>
/// Byte offsets of the few FFmpeg struct fields the decoder reads or writes directly (FFmpeg has no
/// accessor for them), for one FFmpeg release, identified by the majors of its four libraries.
/// </summary>
/// <remarks>
/// FFmpeg changes these layouts only at a major version bump, so the offsets are tied to the majors
/// and <see cref="LibAvLibraries"/> refuses any other release (the process decoder is used instead).
/// The offsets were read from the release's headers with offsetof; the decoder also checks on every
/// stream that AVStream.index is the stream's number and that codecpar says video, so a wrong table
/// fails loudly instead of reading garbage.
/// </remarks>
internal sealed record LibAvLayout(
    int AvFormatMajor,
    int AvCodecMajor,
    int AvUtilMajor,
    int SwScaleMajor,
    int FormatPb,
    int FormatStreams,
    int StreamIndex,
    int StreamTimeBase,
    int StreamStartTime,
    int StreamFrameCount,
    int StreamCodecParameters,
    int ParametersCodecType,
    int ParametersCodecId,
    int ParametersWidth,
    int ParametersHeight,
    int FrameData,
    int FrameLinesize,
    int FrameWidth,
    int FrameHeight,
    int FrameFormat,
    int FramePts,
    int FramePacketDts,
    int PacketPts,
    int PacketStreamIndex,
    int IoBuffer)
{
    /// <summary>FFmpeg 5.1 (Debian 12): libavformat 59, libavcodec 59, libavutil 57, libswscale 6.</summary>
    public static readonly LibAvLayout Ffmpeg51 = new(
        AvFormatMajor: 59, AvCodecMajor: 59, AvUtilMajor: 57, SwScaleMajor: 6,
        FormatPb: 32, FormatStreams: 48,
        StreamIndex: 0, StreamTimeBase: 16, StreamStartTime: 24, StreamFrameCount: 40, StreamCodecParameters: 208,
        ParametersCodecType: 0, ParametersCodecId: 4, ParametersWidth: 56, ParametersHeight: 60,
        FrameData: 0, FrameLinesize: 64, FrameWidth: 104, FrameHeight: 108, FrameFormat: 116, FramePts: 136, FramePacketDts: 144,
        PacketPts: 8, PacketStreamIndex: 36,
        IoBuffer: 8);

    /// <summary>The releases whose layout is known, newest first.</summary>
    public static IReadOnlyList<LibAvLayout> Known { get; } = [Ffmpeg51];
}
