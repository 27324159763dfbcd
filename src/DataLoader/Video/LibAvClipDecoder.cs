using System.Globalization;
using System.Runtime.InteropServices;
using Orchestrator.DataLoader.Video.Native;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Decodes the few frames a clip needs inside the process, through FFmpeg's libraries: the container
/// is read from the row's bytes (<see cref="MemoryInput"/>), the decoder seeks to the keyframe before
/// the first frame wanted when the stream has a constant frame rate and an index, decodes forward,
/// keeps the frames wanted, stops after the last one, and scales each with swscale (shorter side to
/// Size, bilinear, to rgb24) before the centre crop, as the process decoder's filter chain does.
/// </summary>
/// <remarks>
/// One decoder thread: the loader parallelises across rows. Every FFmpeg object is freed on every
/// path (try/finally); a bad stream gives a <see cref="VideoRowException"/>, never a crash.
/// </remarks>
internal static unsafe class LibAvClipDecoder
{
    // Decode errors tolerated before giving up on a stream (FFmpeg's CLI also goes on past a bad packet).
    private const int MaxErrors = 64;

    /// <summary>The header of a container other than mp4/mov, from libavformat: counts packets when the container does not state the frame count.</summary>
    public static VideoHeader Probe(byte[] video)
    {
        LibAvLayout layout = LibAvLibraries.Require();
        using MemoryInput input = MemoryInput.Open(video, layout);

        // Containers without a full header (MPEG-TS) need packets read to know the stream's size;
        // a failure here leaves what the header said, as ffprobe does.
        _ = LibAv.FindStreamInfo(input.Format, null);
        (int index, nint streamAddress, nint parametersAddress) = VideoStream(input, layout);
        byte* stream = (byte*)streamAddress;
        byte* parameters = (byte*)parametersAddress;
        int codecId = *(int*)(parameters + layout.ParametersCodecId);
        long frames = *(long*)(stream + layout.StreamFrameCount);
        if (frames <= 0)
        {
            frames = CountPackets(input, layout, index);
        }

        double fps = LibAv.GuessFrameRate(input.Format, stream, null).Value;
        return new VideoHeader(
            *(int*)(parameters + layout.ParametersWidth), *(int*)(parameters + layout.ParametersHeight),
            frames, fps, CodecName(codecId), ConstantFrameRate: false);
    }

    /// <summary>
    /// Decodes the distinct ascending source frames <paramref name="frames"/>, calling
    /// <paramref name="onFrame"/>(position in <paramref name="frames"/>, rgb24 Size x Size pixels) for each; returns how many came.
    /// </summary>
    /// <remarks>With <paramref name="seek"/> false it decodes from the first frame and counts frames: the reference the seek path is tested against.</remarks>
    public static int Decode(
        byte[] video, VideoHeader header, IReadOnlyList<int> frames, int size, int maxSide, Action<int, ReadOnlySpan<byte>> onFrame, bool seek = true)
    {
        LibAvLayout layout = LibAvLibraries.Require();
        using MemoryInput input = MemoryInput.Open(video, layout);
        (int index, nint streamAddress, nint parametersAddress) = VideoStream(input, layout);
        byte* stream = (byte*)streamAddress;
        byte* parameters = (byte*)parametersAddress;
        int width = *(int*)(parameters + layout.ParametersWidth);
        int height = *(int*)(parameters + layout.ParametersHeight);
        if (width <= 0 || height <= 0 || width > maxSide || height > maxSide)
        {
            throw new VideoRowException(VideoSkipReason.AbsurdDimensions, string.Create(CultureInfo.InvariantCulture,
                $"the stream parameters say {width}x{height}; expected sides in [1, {maxSide}]"));
        }

        int codecId = *(int*)(parameters + layout.ParametersCodecId);
        void* codec = LibAv.FindDecoder(codecId);
        if (codec is null)
        {
            throw new VideoRowException(VideoSkipReason.UnsupportedCodec,
                $"the installed FFmpeg has no decoder for '{header.Codec}' ({CodecName(codecId)})");
        }

        void* context = null;
        void* packet = null;
        void* frame = null;
        var scaler = new FrameScaler(size);
        try
        {
            context = LibAv.CodecAllocContext(codec);
            packet = LibAv.PacketAlloc();
            frame = LibAv.FrameAlloc();
            if (context is null || packet is null || frame is null)
            {
                throw new OutOfMemoryException("FFmpeg could not allocate a decoder, packet or frame");
            }

            Check(LibAv.ParametersToContext(context, parameters), "avcodec_parameters_to_context");
            Check(LibAv.OptSetInt(context, "threads", 1, 0), "setting threads=1");
            Check(LibAv.CodecOpen(context, codec, null), $"opening the {header.Codec} decoder");

            var timing = new StreamTiming(
                *(LibAv.Rational*)(stream + layout.StreamTimeBase), *(long*)(stream + layout.StreamStartTime), header.FramesPerSecond);
            bool byTimestamp = seek && header.ConstantFrameRate && header.FramesPerSecond > 0 && timing.TimeBase.Numerator > 0;
            bool checkLanding = false;
            if (byTimestamp && frames[0] > 0 && LibAv.IndexEntriesCount(stream) > 0)
            {
                // Half a frame early, backward: the demuxer lands on the keyframe at or before the first frame wanted.
                checkLanding = LibAv.SeekFrame(input.Format, index, timing.Timestamp(frames[0] - 0.5), LibAv.SeekBackward) >= 0;
            }

            int[] wanted = [.. frames];
            int discard = LibAv.DiscardDefault;
            int next = 0;
            long sequence = 0;
            bool flushed = false;
            int errors = 0;
            int lastError = 0;
            while (next < frames.Count && errors <= MaxErrors)
            {
                int received = LibAv.ReceiveFrame(context, frame);
                if (received == 0)
                {
                    long at = byTimestamp ? timing.FrameIndex(FrameTimestamp(frame, layout)) : sequence++;
                    if (checkLanding)
                    {
                        // A stream whose keyframe index points past a wanted frame (reordered frames): start over from the top.
                        checkLanding = false;
                        if (at > frames[next])
                        {
                            Check(LibAv.SeekFrame(input.Format, index, timing.Timestamp(-1), LibAv.SeekBackward), "seeking back to the start");
                            LibAv.FlushBuffers(context);
                            flushed = false;
                            continue;
                        }
                    }

                    if (at < frames[next])
                    {
                        continue;
                    }

                    ReadOnlySpan<byte> rgb = scaler.Convert(frame, layout);
                    while (next < frames.Count && frames[next] <= at)
                    {
                        onFrame(next++, rgb);
                    }

                    continue;
                }

                if (received == LibAv.ErrorEndOfFile || flushed && received == LibAv.ErrorAgain)
                {
                    break;
                }

                if (received != LibAv.ErrorAgain)
                {
                    errors++;
                    lastError = received;
                    continue;
                }

                int read = LibAv.ReadFrame(input.Format, packet);
                if (read < 0)
                {
                    // End of the data (or a damaged tail): drain the frames the decoder still holds.
                    lastError = read == LibAv.ErrorEndOfFile ? lastError : read;
                    _ = LibAv.SendPacket(context, null);
                    flushed = true;
                    continue;
                }

                if (*(int*)((byte*)packet + layout.PacketStreamIndex) != index)
                {
                    LibAv.PacketUnref(packet);
                    continue;
                }

                if (byTimestamp)
                {
                    // A frame nothing refers to and the clip does not want need not be decoded at all
                    // (most B-frames of H.264); skipping it changes no other frame.
                    long pts = *(long*)((byte*)packet + layout.PacketPts);
                    int skip = pts != LibAv.NoTimestamp && Array.BinarySearch(wanted, (int)timing.FrameIndex(pts)) < 0
                        ? LibAv.DiscardNonReference
                        : LibAv.DiscardDefault;
                    if (skip != discard)
                    {
                        Check(LibAv.OptSetInt(context, "skip_frame", skip, 0), "setting skip_frame");
                        discard = skip;
                    }
                }

                int sent = LibAv.SendPacket(context, packet);
                LibAv.PacketUnref(packet);
                if (sent < 0 && sent != LibAv.ErrorAgain)
                {
                    errors++;
                    lastError = sent;
                }
            }

            if (next == 0 && lastError != 0)
            {
                throw new VideoRowException(VideoSkipReason.Undecodable, $"FFmpeg decoded no frame of the clip ({LibAv.Message(lastError)})");
            }

            return next;
        }
        finally
        {
            scaler.Dispose();
            LibAv.FrameFree(&frame);
            LibAv.PacketFree(&packet);
            LibAv.CodecFreeContext(&context);
        }
    }

    /// <summary>The best video stream, its AVStream and AVCodecParameters; checks the mirrored layout against what FFmpeg reported.</summary>
    private static (int Index, nint Stream, nint Parameters) VideoStream(MemoryInput input, LibAvLayout layout)
    {
        int index = LibAv.FindBestStream(input.Format, LibAv.MediaTypeVideo, -1, -1, null, 0);
        if (index < 0)
        {
            throw new VideoRowException(VideoSkipReason.NoVideoStream,
                index == LibAv.ErrorStreamNotFound ? "the container has no video stream" : $"no video stream ({LibAv.Message(index)})");
        }

        byte* stream = (byte*)input.Stream(index);
        byte* parameters = (byte*)*(void**)(stream + layout.StreamCodecParameters);
        if (*(int*)(stream + layout.StreamIndex) != index || parameters is null || *(int*)(parameters + layout.ParametersCodecType) != LibAv.MediaTypeVideo)
        {
            throw new InvalidOperationException(
                $"FFmpeg's AVStream does not match the layout of libavformat {layout.AvFormatMajor} this build mirrors; the in-process video decoder cannot be used with these libraries");
        }

        return (index, (nint)stream, (nint)parameters);
    }

    private static long CountPackets(MemoryInput input, LibAvLayout layout, int index)
    {
        void* packet = LibAv.PacketAlloc();
        if (packet is null)
        {
            throw new OutOfMemoryException("av_packet_alloc failed");
        }

        try
        {
            long count = 0;
            while (LibAv.ReadFrame(input.Format, packet) >= 0)
            {
                count += *(int*)((byte*)packet + layout.PacketStreamIndex) == index ? 1 : 0;
                LibAv.PacketUnref(packet);
            }

            return count;
        }
        finally
        {
            LibAv.PacketFree(&packet);
        }
    }

    private static long FrameTimestamp(void* frame, LibAvLayout layout)
    {
        long pts = *(long*)((byte*)frame + layout.FramePts);
        long timestamp = pts != LibAv.NoTimestamp ? pts : *(long*)((byte*)frame + layout.FramePacketDts);
        return timestamp != LibAv.NoTimestamp
            ? timestamp
            : throw new VideoRowException(VideoSkipReason.Undecodable, "a decoded frame has no timestamp, so its place in the clip is unknown");
    }

    private static string CodecName(int codecId) => Marshal.PtrToStringUTF8((nint)LibAv.CodecName(codecId)) ?? $"codec {codecId}";

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            throw new VideoRowException(VideoSkipReason.Undecodable, $"{what} failed ({LibAv.Message(result)})");
        }
    }
}
