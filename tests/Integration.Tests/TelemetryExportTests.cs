namespace Orchestrator.Integration.Tests;

[Collection("processes")]
public sealed class TelemetryExportTests
{
    [Fact]
    public async Task A_run_exports_its_metrics_and_spans_over_OTLP_when_the_spec_names_an_endpoint()
    {
        using var receiver = new OtlpReceiver();
        using var run = new TinyRun(steps: 2, extra: $"telemetry: {{ otlp_endpoint: \"{receiver.Endpoint}\", otlp_protocol: http/protobuf }}");
        var result = await OrchestratorProcess.RunAsync(run.Directory, TimeSpan.FromMinutes(4), "train", "--config", run.SpecPath);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);

        foreach (string metric in new[]
        {
            "orchestrator.train.loss", "orchestrator.train.samples", "orchestrator.train.samples_per_second",
            "orchestrator.train.step.duration", "orchestrator.allreduce.duration", "orchestrator.checkpoint.duration",
        })
        {
            Assert.True(receiver.Received("/v1/metrics", metric), $"metric {metric} was not exported");
        }
        var spans = receiver.Bodies("/v1/traces").SelectMany(OtlpSpan.Parse).ToList();
        var runSpan = Assert.Single(spans, s => s.Name == "run");
        var byId = spans.ToDictionary(s => s.SpanId);
        Assert.All(spans, s => Assert.Equal(runSpan.TraceId, s.TraceId));
        var coordinatorSteps = spans.Where(s => s.Name == "step" && s.ParentSpanId == runSpan.SpanId).ToList();
        Assert.Equal(2, coordinatorSteps.Count);
        var workerSteps = spans.Where(s => s.Name == "step" && s.ParentSpanId != runSpan.SpanId).ToList();
        Assert.Equal(4, workerSteps.Count);
        Assert.All(workerSteps, s => Assert.Contains(s.ParentSpanId, coordinatorSteps.Select(c => c.SpanId)));
        var reductions = spans.Where(s => s.Name == "allreduce").ToList();
        Assert.Equal(4, reductions.Count);
        Assert.All(reductions, s => Assert.Equal("step", byId[s.ParentSpanId].Name));
        Assert.True(
            spans.Where(s => s.Name is "checkpoint" or "evaluation").All(s => s.ParentSpanId == runSpan.SpanId),
            "checkpoint and evaluation spans should be children of the run span:\n" + string.Join("\n", spans));
        Assert.Contains(spans, s => s.Name == "checkpoint");
        Assert.Contains(spans, s => s.Name == "evaluation");
    }
}
