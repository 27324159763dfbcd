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

    [Fact]
    public async Task Spans_of_a_coordinator_and_a_trainer_process_form_one_trace_across_processes()
    {
        using var receiver = new OtlpReceiver();
        int seed = RoleProcess.FreePort();
        using var run = new TinyRun(
            steps: 2,
            extra: $"telemetry: {{ progress: false, otlp_endpoint: \"{receiver.Endpoint}\", otlp_protocol: http/protobuf }}",
            cluster: $"workers_per_node: 2, min_workers: 2, seed_nodes: [akka.tcp://orchestrator@127.0.0.1:{seed}]");
        var made = await OrchestratorProcess.RunAsync(run.Directory, TimeSpan.FromMinutes(2), "shards", "make", "--config", run.SpecPath);
        Assert.True(made.ExitCode == 0, made.Output + made.Error);
        using var coordinator = RoleProcess.Start("coordinator", run.Directory, "coordinator", "--config", run.SpecPath, "--port", $"{seed}");
        using var trainer = RoleProcess.Start("trainer", run.Directory, "trainer", "--config", run.SpecPath);
        Assert.True(await coordinator.ExitAsync(TimeSpan.FromMinutes(4)) == 0, coordinator.Output);
        Assert.True(await trainer.ExitAsync(TimeSpan.FromMinutes(1)) == 0, trainer.Output);

        // Each process flushes its spans when it ends, so all of them are in by now.
        var spans = receiver.Bodies("/v1/traces").SelectMany(OtlpSpan.Parse).ToList();
        string tree = string.Join("\n", spans);
        var byId = spans.ToDictionary(s => s.SpanId);
        var runSpan = Assert.Single(spans, s => s.Name == "run");
        Assert.True(spans.All(s => s.TraceId == runSpan.TraceId), "one trace id for the run:\n" + tree);
        string coordinatorProcess = runSpan.Process;
        Assert.StartsWith("coordinator-", coordinatorProcess, StringComparison.Ordinal);

        var coordinatorSteps = spans.Where(s => s.Name == "step" && s.ParentSpanId == runSpan.SpanId).ToList();
        Assert.Equal(2, coordinatorSteps.Count);
        Assert.All(coordinatorSteps, s => Assert.Equal(coordinatorProcess, s.Process));
        var workerSteps = spans.Where(s => s.Name == "step" && s.ParentSpanId != runSpan.SpanId).ToList();
        Assert.Equal(4, workerSteps.Count);
        string trainerProcess = workerSteps[0].Process;
        Assert.StartsWith("trainer-", trainerProcess, StringComparison.Ordinal);
        Assert.All(workerSteps, s =>
        {
            Assert.Equal(trainerProcess, s.Process);
            Assert.Contains(s.ParentSpanId, coordinatorSteps.Select(c => c.SpanId));
        });
        var reductions = spans.Where(s => s.Name == "allreduce").ToList();
        Assert.Equal(4, reductions.Count);
        Assert.All(reductions, s => Assert.Contains(s.ParentSpanId, workerSteps.Select(w => w.SpanId)));

        // The checkpoint is written by the trainer process, the evaluation done by the coordinator's evaluator:
        // both children of the run span of the coordinator process.
        var checkpoint = Assert.Single(spans, s => s.Name == "checkpoint");
        Assert.Equal((runSpan.SpanId, trainerProcess), (checkpoint.ParentSpanId, checkpoint.Process));
        var evaluation = Assert.Single(spans, s => s.Name == "evaluation");
        Assert.Equal(runSpan.SpanId, evaluation.ParentSpanId);
        Assert.All(spans.Where(s => s != runSpan), s => Assert.True(byId.ContainsKey(s.ParentSpanId), $"{s} has no parent in the trace:\n{tree}"));
    }
}
