using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// The rows of a video run as samples of <see cref="Frames"/> frames, (3, F, S, S) channel-major in [-1, 1]. A video
/// row (video2dataset or frame-list shard) is cut by the <see cref="ClipSampler"/>, its start drawn from the sample's
/// (run seed, epoch, sample index); an image row is a one-frame clip whose frame is repeated F times, which the batch
/// marks as an image so that the model masks its temporal layers for it (joint image-video training, Ho et al., 2022).
/// </summary>
public sealed class ClipRows(ClipSampler sampler, VideoSkipCounter skips)
{
    public ClipSampler Sampler => sampler;

    /// <summary>Frames of every sample (data.clip.frames).</summary>
    public int Frames => sampler.Clip.Frames;

    /// <summary>Where skipped video rows are counted, with shard, row and reason.</summary>
    public VideoSkipCounter Skips => skips;

    /// <summary>The clip rows of a run spec; null for an image run (no data.clip).</summary>
    public static ClipRows? For(RunSpec spec, VideoSkipCounter skips, VideoDecoderOptions? decoder = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Data.Clip is { } clip
            ? new ClipRows(new ClipSampler(ClipOptions.From(clip, spec.Data.ImageSize), spec.Run.Seed, decoder), skips)
            : null;
    }

    /// <summary>
    /// Turns the image (3, S, S) at the start of <paramref name="clip"/> into a clip of <see cref="Frames"/> equal
    /// frames (3, F, S, S) in place. Planes are copied from the last channel and frame back, so that no source plane
    /// is overwritten before it is read (plane c moves to c*F + f >= c).
    /// </summary>
    public void RepeatInPlace(Span<float> clip)
    {
        int frames = Frames;
        int plane = clip.Length / (3 * frames);
        for (int c = 2; c >= 0; c--)
        {
            for (int f = frames - 1; f >= 0; f--)
            {
                int to = ((c * frames) + f) * plane;
                if (to != c * plane)
                {
                    clip.Slice(c * plane, plane).CopyTo(clip.Slice(to, plane));
                }
            }
        }
    }

    /// <summary>The clip of video row <paramref name="row"/> for sample (epoch, index), or null with the reason the row is skipped.</summary>
    internal float[]? TryClip(ShardInfo shard, RowGroupCells cells, int row, long epoch, long sampleIndex, out VideoRowException? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(cells.Captions[row]))
        {
            problem = new VideoRowException(VideoSkipReason.EmptyCaption, "the caption is null or blank");
            return null;
        }

        try
        {
            VideoClip clip = shard.Video == VideoLayout.FrameList
                ? sampler.SampleFrames(cells.Frames![row], epoch, sampleIndex)
                : sampler.SampleVideo(cells.Images[row], epoch, sampleIndex);
            return clip.Data;
        }
        catch (VideoRowException e)
        {
            problem = e;
            return null;
        }
    }
}
