using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Evaluation;

public sealed class KeepBestBySpecTests
{
    private const string Minimal = "data: { train: [{ shards: data/train }] }\ntrain: { steps: 10 }\n";

    [Theory]
    [InlineData("fid")]
    [InlineData("frechet")]
    [InlineData("clip_score")]
    public void Keep_best_by_binds_each_metric(string metric)
    {
        var spec = RunSpecLoader.Parse(Minimal + $"checkpoint: {{ keep_best_by: {metric} }}", "best.yaml");

        Assert.Equal(metric, spec.Checkpoint.KeepBestBy);
        Assert.Equal("", RunSpecLoader.Parse(Minimal, "plain.yaml").Checkpoint.KeepBestBy);
    }

    [Fact]
    public void An_unknown_metric_is_reported_with_the_key_the_value_and_the_choices()
    {
        var error = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(Minimal + "checkpoint: { keep_best_by: loss }", "best.yaml"));

        Assert.Contains("checkpoint.keep_best_by: unknown metric, got \"loss\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("fid, frechet, clip_score, or empty", error.Message, StringComparison.Ordinal);
    }
}
