using Orchestrator.Evaluator.Clip;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Clip;

public sealed class ClipPreprocessTests
{
    [Fact]
    public void Shortest_side_is_resized_then_centre_cropped_and_normalised_by_clip_mean_and_std()
    {
        // A 20x40 image: left quarter -1, the rest +1. Shortest side 20 -> 32, so 32x64, crop columns 16..47.
        using var images = torch.ones(1, 3, 20, 40);
        images[.., .., .., ..10] = torch.tensor(-1f);

        using var pixels = ClipPreprocess.Apply(images, 32);

        Assert.Equal([1L, 3L, 32L, 32L], pixels.shape);
        // The crop starts at column 16 of 64, i.e. image column 10: just past the dark quarter, all white.
        double[] expected = [(1 - 0.48145466) / 0.26862954, (1 - 0.4578275) / 0.26130258, (1 - 0.40821073) / 0.27577711];
        for (int c = 0; c < 3; c++)
        {
            double right = pixels[0, c, 16, 31].item<float>();
            Assert.Equal(expected[c], right, 4);
        }
        Assert.True(pixels[0, 0, 16, 0].item<float>() < expected[0]);
    }
}
