using Orchestrator.DataLoader.Video.Native;

namespace Orchestrator.DataLoader.Video;

/// <summary>Frame numbers to and from stream timestamps for a constant frame rate: frame i starts at start + i / fps.</summary>
internal readonly struct StreamTiming(LibAv.Rational timeBase, long startTime, double framesPerSecond)
{
    private readonly long _start = startTime == LibAv.NoTimestamp ? 0 : startTime;

    public LibAv.Rational TimeBase { get; } = timeBase;

    /// <summary>The timestamp (in time base units) where frame <paramref name="frame"/> (fractional allowed) starts.</summary>
    public long Timestamp(double frame) =>
        _start + (long)Math.Floor(frame / framesPerSecond * TimeBase.Denominator / TimeBase.Numerator);

    /// <summary>The frame a timestamp belongs to, rounded to the nearest.</summary>
    public long FrameIndex(long timestamp) =>
        (long)Math.Round((timestamp - _start) * (double)TimeBase.Numerator * framesPerSecond / TimeBase.Denominator);
}
