namespace Orchestrator.DataLoader.Video;

/// <summary>Turns rows of a video row group into clips; a row that cannot be used is counted with shard, row and reason and gives null.</summary>
public sealed class VideoClipReader(ClipSampler sampler, VideoSkipCounter skips)
{
    private readonly ClipSampler _sampler = sampler;
    private readonly VideoSkipCounter _skips = skips;

    /// <summary>The clip of row <paramref name="row"/> of <paramref name="group"/> for sample (epoch, index), or null when the row is skipped.</summary>
    public VideoClip? TryRead(VideoRowGroup group, int row, long epoch, long sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(group);
        long shardRow = group.FirstRow + row;
        if (string.IsNullOrWhiteSpace(group.Captions[row]))
        {
            _skips.Record(VideoSkipReason.EmptyCaption, group.Shard, shardRow);
            return null;
        }

        try
        {
            return group.Videos is not null
                ? _sampler.SampleVideo(group.Videos[row], epoch, sampleIndex)
                : _sampler.SampleFrames(group.Frames![row], epoch, sampleIndex);
        }
        catch (VideoRowException e)
        {
            _skips.Record(e.Reason, group.Shard, shardRow, e.Detail);
            return null;
        }
    }
}
