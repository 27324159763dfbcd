using Orchestrator.Evaluator.Features;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Features;

public sealed class RandomConvFeaturesTests
{
    [Fact]
    public void Same_seed_gives_same_features_of_stated_dimension()
    {
        using var images = RandomImages(count: 5, size: 40, seed: 1);
        using var first = new RandomConvFeatures(dimension: 64, seed: 3);
        using var second = new RandomConvFeatures(dimension: 64, seed: 3);

        using var a = first.Extract(images);
        using var b = second.Extract(images);

        Assert.Equal([5L, 64L], a.shape);
        Assert.Equal(64, first.Dimension);
        Assert.Equal(torch.ScalarType.Float32, a.dtype);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.True(a.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Different_seeds_give_different_features_and_names()
    {
        using var images = RandomImages(count: 3, size: 64, seed: 2);
        using var first = new RandomConvFeatures(seed: 1);
        using var second = new RandomConvFeatures(seed: 2);

        using var a = first.Extract(images);
        using var b = second.Extract(images);

        Assert.False(a.allclose(b));
        Assert.Equal("random-conv-128-seed1-64px", first.Name);
        Assert.NotEqual(first.Name, second.Name);
        Assert.DoesNotContain("fid", first.Name, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Features_do_not_depend_on_batch_composition()
    {
        using var images = RandomImages(count: 4, size: 32, seed: 3);
        using var extractor = new RandomConvFeatures(dimension: 32, inputSize: 32);

        using var all = extractor.Extract(images);
        using var last = extractor.Extract(images.narrow(0, 3, 1));

        Assert.True(all[3].allclose(last[0], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Images_of_wrong_shape_are_rejected()
    {
        using var extractor = new RandomConvFeatures(dimension: 8);
        using var gray = torch.zeros(2, 1, 16, 16);

        var error = Assert.Throws<ArgumentException>(() => extractor.Extract(gray));

        Assert.Contains("[2, 1, 16, 16]; expected (n, 3, H, W)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_outside_minus_one_to_one_are_rejected()
    {
        using var extractor = new RandomConvFeatures(dimension: 8);
        using var bytes = torch.full(2, 3, 16, 16, 200f);

        var error = Assert.Throws<ArgumentException>(() => extractor.Extract(bytes));

        Assert.Contains("expected [-1, 1]", error.Message, StringComparison.Ordinal);
    }

    private static torch.Tensor RandomImages(int count, int size, int seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        return torch.rand(count, 3, size, size, generator: generator) * 2 - 1;
    }
}
