using Orchestrator.Models.Networks.Video;
using Orchestrator.Trainer.Replica;

namespace Orchestrator.Trainer.Tests;

/// <summary>Video runs through the real training step: clips from mp4 shards, joint image-video batches, determinism.</summary>
public sealed class VideoTrainingTests
{
    [Fact]
    public async Task Joint_image_video_run_gives_bitwise_the_same_weights_with_one_or_two_workers()
    {
        using var tiny = await TinyTraining.CreateVideoAsync(videos: true, images: true);
        var one = tiny.Workers(1);
        var two = tiny.Workers(2);

        await TinyTraining.RunAsync(one, 0, 3);
        await TinyTraining.RunAsync(two, 0, 3);

        TinyTraining.AssertBitwiseEqual(TinyTraining.Snapshot(one[0]), TinyTraining.Snapshot(two[0]));
        TinyTraining.AssertBitwiseEqual(TinyTraining.Snapshot(two[0]), TinyTraining.Snapshot(two[1]));
        TinyTraining.Dispose(one.Concat(two));
    }

    [Fact]
    public async Task Video_run_resumed_on_another_world_size_ends_with_bitwise_the_weights_of_an_unbroken_run()
    {
        using var tiny = await TinyTraining.CreateVideoAsync();
        await tiny.AssertResumeMatchesUnbrokenRunAsync(firstWorld: 2, resumedWorld: 1, split: 2, total: 4);
    }

    [Fact]
    public async Task Image_samples_reach_the_model_as_images_so_the_temporal_layers_get_no_gradient_from_them()
    {
        using var images = await TinyTraining.CreateVideoAsync(videos: false, images: true);
        using var videos = await TinyTraining.CreateVideoAsync(videos: true, images: false);

        double imageTemporal = await TemporalGradientAsync(images);
        double videoTemporal = await TemporalGradientAsync(videos);

        Assert.Equal(0, imageTemporal);
        Assert.True(videoTemporal > 0, "video samples train the temporal layers");
    }

    [Fact]
    public async Task A_batch_of_a_joint_run_marks_exactly_its_image_rows()
    {
        using var tiny = await TinyTraining.CreateVideoAsync(videos: true, images: true);

        using var batch = await tiny.Setup.Batches.ReadAsync(step: 2, start: 0, count: 4);

        Assert.Equal([4L, 3, 4, 16, 16], batch.Images.shape);
        // Dataset 1 is the image shards (spec order: videos, then images).
        Assert.Equal(Enumerable.Range(0, 4).Select(p => tiny.Setup.Plan.DatasetAt(2, p) == 1), batch.IsImage);
    }

    // Largest |gradient| of the temporal parameters at step 1 of one worker (at step 0 only the zero-initialised
    // output convolution has a gradient).
    private static async Task<double> TemporalGradientAsync(TinyTraining tiny)
    {
        var workers = tiny.Workers(1);
        var worker = workers[0];
        await worker.TrainStepAsync(0, CancellationToken.None);
        PendingUpdate update = await worker.ComputeAsync(1, CancellationToken.None);
        double largest = 0;
        int offset = 0;
        foreach (var (name, parameter) in worker.Replica.Parameters)
        {
            int length = (int)parameter.numel();
            if (VideoUNet.IsTemporal(name))
            {
                largest = Math.Max(largest, update.Gradient.AsSpan(offset, length).ToArray().Max(Math.Abs));
            }

            offset += length;
        }

        TinyTraining.Dispose(workers);
        return largest;
    }
}
