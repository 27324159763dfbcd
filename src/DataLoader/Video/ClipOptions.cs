using Orchestrator.Core.RunSpec;

namespace Orchestrator.DataLoader.Video;

/// <summary>What a clip is: <see cref="Frames"/> frames of <see cref="Size"/> x <see cref="Size"/> pixels, <see cref="Stride"/> source frames apart (or resampled to <see cref="Fps"/>).</summary>
public sealed record ClipOptions(int Frames, int Stride, double Fps, bool Pad, int Size)
{
    /// <summary>The clip of a run spec's data.clip at the spec's data.image_size.</summary>
    public static ClipOptions From(ClipSection clip, int size)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return new ClipOptions(clip.Frames, clip.Stride, clip.Fps, clip.Pad, size);
    }
}
