using Orchestrator.Models.Diffusion;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests.Video;

/// <summary>The training loss of a joint image-video batch: the is_image mask reaches the model.</summary>
public sealed class JointObjectiveTests
{
    [Fact]
    public void An_image_sample_repeated_to_a_clip_has_the_image_models_loss_and_no_temporal_gradient()
    {
        using var image = TinyModel.CreateNonZero(seed: 1);
        using var video = TinyVideoModel.FromImage(image);
        TinyVideoModel.RandomizeTemporal(video, seed: 3);
        var objective = new DiffusionObjective(NoiseSchedule.Linear(1000), cfgDropout: 0, TinyModel.EmptyCaption, runSeed: 5);
        using var still = TinyModel.Images(1, 1, seed: 6);
        using var repeated = still.expand(1, 3, 4, TinyModel.ImageSize, TinyModel.ImageSize).contiguous();
        using var tokens = TinyModel.Tokens([1, 5]);
        using var isImage = tensor(new[] { true });
        long[] indices = [12];

        // The image UNet sees the four frames as four images, with the same per-sample noise and timestep.
        using var imageLoss = objective.SumLoss(image, repeated, tokens, epoch: 0, indices);
        using var masked = objective.SumLoss(video, repeated, tokens, epoch: 0, indices, isImage);
        using var unmasked = objective.SumLoss(video, repeated, tokens, epoch: 0, indices);

        Assert.Equal(imageLoss.item<float>(), masked.item<float>(), 5);
        Assert.True(Math.Abs(unmasked.item<float>() - masked.item<float>()) > 1e-5, "without the mask the temporal layers mix the frames");
        masked.backward();
        foreach (var (name, parameter) in video.named_parameters().Where(p => Networks.Video.VideoUNet.IsTemporal(p.name)))
        {
            Assert.True(parameter.grad is null || parameter.grad.abs().max().item<float>() == 0, $"{name} got a gradient from an image sample");
        }
    }
}
