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

    /// <summary>An image (3, S, S) as a clip of <see cref="Frames"/> equal frames (3, F, S, S).</summary>
    public float[] Repeat(float[] chw)
    {
        ArgumentNullException.ThrowIfNull(chw);
        int plane = chw.Length / 3;
        int frames = Frames;
        var clip = new float[chw.Length * frames];
        for (int c = 0; c < 3; c++)
        {
            ReadOnlySpan<float> channel = chw.AsSpan(c * plane, plane);
            for (int f = 0; f < frames; f++)
            {
                channel.CopyTo(clip.AsSpan(((c * frames) + f) * plane, plane));
            }
        }

        return clip;
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
