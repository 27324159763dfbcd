using Orchestrator.DataLoader.Sampling;

namespace Orchestrator.DataLoader.Video;

/// <summary>Which source frames make a clip: a start drawn from the sample's seed, then every step-th frame.</summary>
internal static class ClipWindow
{
    /// <summary>
    /// The source frame of each clip frame, ascending; past the end, the last frame again when
    /// padding, else null. The step is the stride, or source fps / target fps when a target is set.
    /// </summary>
    public static int[]? SourceFrames(long frameCount, double sourceFps, ClipOptions clip, long seed)
    {
        double step = clip.Fps > 0 && sourceFps > 0 ? sourceFps / clip.Fps : clip.Stride;
        double span = (clip.Frames - 1) * step;

        // A small epsilon so that a step such as 30/15 = 1.9999... lands on the frame it means.
        const double Epsilon = 1e-6;
        long lastStart = (long)Math.Floor(frameCount - 1 - span + Epsilon);
        long start;
        if (lastStart >= 0)
        {
            var random = new SplitMix64((ulong)seed);
            start = (long)random.NextBelow((ulong)lastStart + 1);
        }
        else if (clip.Pad)
        {
            start = 0;
        }
        else
        {
            return null;
        }

        var frames = new int[clip.Frames];
        for (int i = 0; i < frames.Length; i++)
        {
            long source = start + (long)Math.Floor((i * step) + Epsilon);
            frames[i] = (int)Math.Min(source, frameCount - 1);
        }

        return frames;
    }
}
