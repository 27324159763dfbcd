using Orchestrator.Evaluator.Clip;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Clip;

public sealed class ClipScoreTests
{
    [Fact]
    public void Identical_directions_score_100_whatever_their_lengths()
    {
        using var images = torch.tensor(new float[] { 1, 2, 3, -1, 0, 2 }, [2, 3]);
        using var texts = images.mul(torch.tensor(new float[] { 5, 0.1f }).view(2, 1));

        Assert.Equal(100, ClipScore.Compute(images, texts), 9);
    }

    [Fact]
    public void Orthogonal_embeddings_score_0()
    {
        using var images = torch.tensor(new float[] { 1, 0, 0, 0, 1, 0 }, [2, 3]);
        using var texts = torch.tensor(new float[] { 0, 3, 0, 0, 0, 2 }, [2, 3]);

        Assert.Equal(0, ClipScore.Compute(images, texts), 9);
    }

    [Fact]
    public void A_negative_mean_cosine_clamps_to_0()
    {
        using var images = torch.tensor(new float[] { 1, 0 }, [1, 2]);
        using var texts = torch.tensor(new float[] { -1, 1 }, [1, 2]);

        Assert.Equal(-100 / Math.Sqrt(2), ClipScore.PairScores(images, texts)[0], 9);
        Assert.Equal(0, ClipScore.Compute(images, texts));
    }

    [Fact]
    public void Pairs_are_averaged_before_the_clamp_as_torchmetrics_does()
    {
        // cosines 0.6 and -0.2: torchmetrics gives max(mean(60, -20), 0) = 20, not mean(60, 0) = 30.
        using var images = torch.tensor(new float[] { 1, 0, 1, 0 }, [2, 2]);
        using var texts = torch.tensor(new float[] { 0.6f, 0.8f, -0.2f, (float)Math.Sqrt(0.96) }, [2, 2]);

        Assert.Equal(20, ClipScore.Compute(images, texts), 5);
    }

    [Fact]
    public void Mismatched_shapes_are_refused()
    {
        using var images = torch.zeros(2, 3);
        using var texts = torch.zeros(3, 3);

        var error = Assert.Throws<ArgumentException>(() => ClipScore.Compute(images, texts));
        Assert.Contains("[2, 3]", error.Message, StringComparison.Ordinal);
    }
}
