using Orchestrator.Evaluator.Features;
using Orchestrator.Evaluator.Metrics;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Features;

public sealed class ResNet18OnnxFeaturesTests(ResNet18Model model) : IClassFixture<ResNet18Model>
{
    [Fact]
    public void Features_are_finite_deterministic_512_d_and_tell_images_apart()
    {
        var extractor = model.Extractor;
        using var images = Images(count: 3, seed: 4);

        using var first = extractor.Extract(images);
        using var second = extractor.Extract(images);

        Assert.Equal([3L, 512L], first.shape);
        Assert.Equal(torch.ScalarType.Float32, first.dtype);
        Assert.True(torch.isfinite(first).all().item<bool>());
        Assert.True(first.eq(second).all().item<bool>());
        Assert.True(first.abs().sum().item<float>() > 0);
        using var difference = (first[0] - first[1]).norm();
        Assert.True(difference.item<float>() > 1e-3 * first[0].norm().item<float>());
    }

    [Fact]
    public void Reported_as_frechet_resnet18_never_as_fid()
    {
        var extractor = model.Extractor;

        Assert.Equal("frechet-resnet18", extractor.MetricName);
        Assert.Equal(512, extractor.Dimension);
        Assert.DoesNotContain("fid", extractor.Name, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Distance_of_a_set_to_itself_is_near_zero_and_to_another_set_is_not()
    {
        var extractor = model.Extractor;
        using var a = Images(count: 4, seed: 5);
        using var b = Images(count: 4, seed: 6).mul(0.3);

        var statsA = FeatureStatistics.FromFeatures(extractor.Extract(a), extractor.Name);
        var statsAAgain = FeatureStatistics.FromFeatures(extractor.Extract(a), extractor.Name);
        var statsB = FeatureStatistics.FromFeatures(extractor.Extract(b), extractor.Name);

        double self = FrechetDistance.Compute(statsA, statsAAgain);
        double other = FrechetDistance.Compute(statsA, statsB);
        Assert.True(self < 1e-6 * other, $"self {self}, other {other}");
    }

    [Fact]
    public void A_folder_without_the_model_is_refused_naming_the_file()
    {
        using var folder = new TemporaryFolder();

        var error = Assert.Throws<FileNotFoundException>(() => new ResNet18OnnxFeatures(folder.Path));

        Assert.Contains("ResNet18.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains(folder.Path, error.Message, StringComparison.Ordinal);
    }

    private static torch.Tensor Images(int count, int seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        return torch.rand([count, 3, 48, 40], generator: generator).mul(2).sub(1);
    }
}
