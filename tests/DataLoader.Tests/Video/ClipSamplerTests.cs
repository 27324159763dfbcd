using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Video;

namespace Orchestrator.DataLoader.Tests.Video;

public sealed class ClipSamplerTests : IDisposable
{
    private readonly VideoFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Clip_window_is_deterministic_per_sample_and_differs_between_samples()
    {
        var clip = new ClipOptions(Frames: 8, Stride: 2, Fps: 0, Pad: false, Size: 16);
        var a = new ClipSampler(clip, runSeed: 42);
        var b = new ClipSampler(clip, runSeed: 42);
        var starts = new HashSet<int>();
        for (long sample = 0; sample < 50; sample++)
        {
            Assert.Equal(a.SourceFrames(300, 30, 2, sample), b.SourceFrames(300, 30, 2, sample));
            starts.Add(a.SourceFrames(300, 30, 2, sample)![0]);
        }

        Assert.True(starts.Count > 10, $"only {starts.Count} distinct starts in 50 samples");
        Assert.NotEqual(a.SourceFrames(300, 30, 2, 0), a.SourceFrames(300, 30, 3, 0));
        Assert.NotEqual(a.SourceFrames(300, 30, 2, 0), new ClipSampler(clip, runSeed: 43).SourceFrames(300, 30, 2, 0));
    }

    [Fact]
    public void Clips_do_not_depend_on_the_world_size()
    {
        byte[][] videos = Enumerable.Range(0, 4).Select(i => _files.ColourFrames(frames: 16 + i, width: 32, height: 32, fps: 8)).ToArray();
        var plan = new SamplePlan(totalRows: videos.Length, globalBatch: 4, seed: 5, blockSize: 2);
        var clip = new ClipOptions(Frames: 3, Stride: 2, Fps: 0, Pad: false, Size: 8);

        // Each worker has its own sampler; worker w of W takes positions [w*B/W, (w+1)*B/W) of the step.
        Dictionary<long, float[]> Run(int world)
        {
            var clips = new Dictionary<long, float[]>();
            for (int worker = 0; worker < world; worker++)
            {
                var sampler = new ClipSampler(clip, runSeed: 5);
                int per = plan.GlobalBatch / world;
                for (int position = worker * per; position < (worker + 1) * per; position++)
                {
                    long index = plan.SampleIndex(1, position);
                    clips[index] = sampler.SampleVideo(videos[plan.RowAt(1, position)], plan.Epoch(1), index).Data;
                }
            }

            return clips;
        }

        Dictionary<long, float[]> one = Run(1);
        Dictionary<long, float[]> two = Run(2);
        Dictionary<long, float[]> four = Run(4);
        Assert.Equal(4, one.Count);
        foreach ((long index, float[] data) in one)
        {
            Assert.Equal(data, two[index]);
            Assert.Equal(data, four[index]);
        }
    }
}
