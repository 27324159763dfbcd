using System.Runtime.InteropServices;

namespace Orchestrator.DataLoader.Video.Native;

/// <summary>
/// The FFmpeg functions the in-process clip decoder calls (libavformat, libavcodec, libavutil,
/// libswscale). The library names are logical: <see cref="LibAvLibraries"/> maps them to the
/// versioned sonames it found. Every pointer is opaque except the few fields read through <see cref="LibAvLayout"/>.
/// </summary>
internal static unsafe partial class LibAv
{
    public const string AvFormat = "orchestrator-avformat";
    public const string AvCodec = "orchestrator-avcodec";
    public const string AvUtil = "orchestrator-avutil";
    public const string SwScale = "orchestrator-swscale";

    // libavutil/error.h: AVERROR(e) is -e; the tagged ones are -MKTAG(...).
    public const int ErrorAgain = -11;
    public const int ErrorEndOfFile = -0x20464F45; // -MKTAG('E','O','F',' ')
    public const int ErrorInvalidData = -0x41444E49; // -MKTAG('I','N','D','A')
    public const int ErrorStreamNotFound = -0x525453F8; // -MKTAG(0xF8,'S','T','R')
    public const int MediaTypeVideo = 0;
    public const int PixelFormatRgb24 = 2;
    public const int LogQuiet = -8;
    public const int SeekBackward = 1;
    public const int SeekSize = 0x10000;
    public const int SeekForce = 0x20000;
    public const int SwsBilinear = 2;
    public const int DiscardDefault = 0; // AVDISCARD_DEFAULT
    public const int DiscardNonReference = 8; // AVDISCARD_NONREF
    public const long NoTimestamp = long.MinValue;

    [LibraryImport(AvUtil, EntryPoint = "avutil_version")]
    public static partial uint AvUtilVersion();

    [LibraryImport(AvUtil, EntryPoint = "av_malloc")]
    public static partial void* Malloc(nuint size);

    [LibraryImport(AvUtil, EntryPoint = "av_free")]
    public static partial void Free(void* pointer);

    [LibraryImport(AvUtil, EntryPoint = "av_frame_alloc")]
    public static partial void* FrameAlloc();

    [LibraryImport(AvUtil, EntryPoint = "av_frame_free")]
    public static partial void FrameFree(void** frame);

    [LibraryImport(AvUtil, EntryPoint = "av_log_set_level")]
    public static partial void LogSetLevel(int level);

    [LibraryImport(AvUtil, EntryPoint = "av_strerror")]
    public static partial int StrError(int error, byte* buffer, nuint size);

    [LibraryImport(AvUtil, EntryPoint = "av_opt_set_int", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OptSetInt(void* target, string name, long value, int searchFlags);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_version")]
    public static partial uint AvCodecVersion();

    [LibraryImport(AvCodec, EntryPoint = "av_packet_alloc")]
    public static partial void* PacketAlloc();

    [LibraryImport(AvCodec, EntryPoint = "av_packet_free")]
    public static partial void PacketFree(void** packet);

    [LibraryImport(AvCodec, EntryPoint = "av_packet_unref")]
    public static partial void PacketUnref(void* packet);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_find_decoder")]
    public static partial void* FindDecoder(int codecId);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_get_name")]
    public static partial byte* CodecName(int codecId);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_alloc_context3")]
    public static partial void* CodecAllocContext(void* codec);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_free_context")]
    public static partial void CodecFreeContext(void** context);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_parameters_to_context")]
    public static partial int ParametersToContext(void* context, void* parameters);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_open2")]
    public static partial int CodecOpen(void* context, void* codec, void** options);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_send_packet")]
    public static partial int SendPacket(void* context, void* packet);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_receive_frame")]
    public static partial int ReceiveFrame(void* context, void* frame);

    [LibraryImport(AvCodec, EntryPoint = "avcodec_flush_buffers")]
    public static partial void FlushBuffers(void* context);

    [LibraryImport(AvFormat, EntryPoint = "avformat_version")]
    public static partial uint AvFormatVersion();

    [LibraryImport(AvFormat, EntryPoint = "avformat_alloc_context")]
    public static partial void* FormatAllocContext();

    [LibraryImport(AvFormat, EntryPoint = "avformat_free_context")]
    public static partial void FormatFreeContext(void* context);

    [LibraryImport(AvFormat, EntryPoint = "avformat_open_input")]
    public static partial int OpenInput(void** context, byte* url, void* format, void** options);

    [LibraryImport(AvFormat, EntryPoint = "avformat_close_input")]
    public static partial void CloseInput(void** context);

    [LibraryImport(AvFormat, EntryPoint = "avformat_find_stream_info")]
    public static partial int FindStreamInfo(void* context, void** options);

    [LibraryImport(AvFormat, EntryPoint = "av_find_best_stream")]
    public static partial int FindBestStream(void* context, int type, int wanted, int related, void** decoder, int flags);

    [LibraryImport(AvFormat, EntryPoint = "av_read_frame")]
    public static partial int ReadFrame(void* context, void* packet);

    [LibraryImport(AvFormat, EntryPoint = "av_seek_frame")]
    public static partial int SeekFrame(void* context, int streamIndex, long timestamp, int flags);

    [LibraryImport(AvFormat, EntryPoint = "av_guess_frame_rate")]
    public static partial Rational GuessFrameRate(void* context, void* stream, void* frame);

    [LibraryImport(AvFormat, EntryPoint = "avformat_index_get_entries_count")]
    public static partial int IndexEntriesCount(void* stream);

    [LibraryImport(AvFormat, EntryPoint = "avio_alloc_context")]
    public static partial void* IoAllocContext(
        byte* buffer, int bufferSize, int writeFlag, void* opaque,
        delegate* unmanaged[Cdecl]<void*, byte*, int, int> read, void* write, delegate* unmanaged[Cdecl]<void*, long, int, long> seek);

    [LibraryImport(AvFormat, EntryPoint = "avio_context_free")]
    public static partial void IoContextFree(void** context);

    [LibraryImport(SwScale, EntryPoint = "swscale_version")]
    public static partial uint SwScaleVersion();

    [LibraryImport(SwScale, EntryPoint = "sws_getCachedContext")]
    public static partial void* ScaleCachedContext(
        void* context, int sourceWidth, int sourceHeight, int sourceFormat, int width, int height, int format, int flags,
        void* sourceFilter, void* filter, double* parameters);

    [LibraryImport(SwScale, EntryPoint = "sws_scale")]
    public static partial int Scale(void* context, byte** source, int* sourceStride, int sliceY, int sliceHeight, byte** destination, int* destinationStride);

    [LibraryImport(SwScale, EntryPoint = "sws_freeContext")]
    public static partial void ScaleFreeContext(void* context);

    /// <summary>FFmpeg's message for an error code.</summary>
    public static string Message(int error)
    {
        byte* buffer = stackalloc byte[128];
        return StrError(error, buffer, 128) == 0
            ? Marshal.PtrToStringUTF8((nint)buffer) ?? $"error {error}"
            : $"error {error}";
    }

    /// <summary>AVRational, returned by value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public readonly struct Rational(int numerator, int denominator)
    {
        public int Numerator { get; } = numerator;

        public int Denominator { get; } = denominator;

        public double Value => Denominator == 0 ? 0 : (double)Numerator / Denominator;
    }
}
