using Orchestrator.Core.RunSpec;

namespace Orchestrator.Evaluator.Tests.Metrics;

public sealed class EvalSpecKeysTests
{
    private const string Valid = "data: { train: [{ shards: data/train }] }\ntrain: { steps: 10 }\n";

    [Fact]
    public void Metric_keys_bind_and_default()
    {
        var spec = RunSpecLoader.Parse(Valid + """
            eval:
              extractor: inception
              inception_weights: /w/pt_inception.safetensors
              reference_cache: /cache
              clip: { weights: /clip/model.safetensors, vocab: /tok/vocab.json }
            """, "run.yaml");
        var defaults = RunSpecLoader.Parse(Valid + "run: { output_dir: /out }", "defaults.yaml");

        Assert.Equal("inception", spec.Eval.Extractor);
        Assert.Equal("/w/pt_inception.safetensors", spec.Eval.InceptionWeights);
        Assert.Equal("/clip/model.safetensors", spec.Eval.Clip.Weights);
        Assert.Equal("/tok/vocab.json", spec.Eval.Clip.Vocab);
        Assert.Equal("", spec.Eval.Clip.Merges);
        Assert.Equal("/cache", spec.ReferenceCacheDirectory());
        Assert.Equal("auto", defaults.Eval.Extractor);
        Assert.Equal("", defaults.Eval.InceptionWeights);
        Assert.Equal("", defaults.Eval.Clip.Weights);
        Assert.Equal(Path.Combine("/out", "reference-statistics"), defaults.ReferenceCacheDirectory());
    }

    [Theory]
    [InlineData("eval: { extractor: vgg }", "eval.extractor")]
    [InlineData("eval: { extractor: inception }", "eval.inception_weights")]
    public void Bad_metric_settings_are_named(string yaml, string key)
    {
        var error = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(Valid + yaml, "run.yaml"));

        Assert.Single(error.Errors);

        Assert.Contains(error.Errors, line => line.Contains(key, StringComparison.Ordinal));
    }
}
