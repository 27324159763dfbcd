using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Features;

namespace Orchestrator.Evaluator.Tests.Features;

public sealed class ExtractorSelectionTests
{
    [Fact]
    public void Auto_without_inception_weights_uses_resnet18_and_says_fid_is_off()
    {
        var selection = ExtractorSelection.FromSpec(new EvalSection());
        using var extractor = selection.Extractor;

        Assert.IsType<ResNet18OnnxFeatures>(extractor);
        Assert.False(selection.Fid.Enabled);
        Assert.Contains("FID off", selection.Fid.Reason, StringComparison.Ordinal);
        Assert.Contains("frechet-resnet18", selection.Fid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_conv_is_reported_under_its_own_name()
    {
        var selection = ExtractorSelection.FromSpec(new EvalSection { Extractor = "random-conv" });
        using var extractor = selection.Extractor;

        Assert.IsType<RandomConvFeatures>(extractor);
        Assert.StartsWith("frechet-random-conv", extractor.MetricName, StringComparison.Ordinal);
        Assert.False(selection.Fid.Enabled);
    }

    [Fact]
    public void Inception_with_a_missing_weights_file_fails_naming_the_key_and_file()
    {
        var error = Assert.Throws<FileNotFoundException>(
            () => ExtractorSelection.FromSpec(new EvalSection { Extractor = "inception", InceptionWeights = "/nonexistent/w.safetensors" }));

        Assert.Contains("eval.inception_weights", error.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/w.safetensors", error.Message, StringComparison.Ordinal);
    }
}
