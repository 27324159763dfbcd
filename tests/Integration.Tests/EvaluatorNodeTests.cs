using System.Text.Json;

namespace Orchestrator.Integration.Tests;

[Collection("processes")]
public sealed class EvaluatorNodeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task An_evaluator_node_pulls_the_checkpoint_over_http_and_its_metrics_reach_the_journal()
    {
        // One checkpoint, after the last step: a checkpoint in mid-run of a separate trainer process fails on this
        // branch ("asked for step 3 holding 2 applied steps", src/Coordinator/Nodes), which is not what this test is about.
        using var run = new TinyRun(steps: 2);
        int seed = RoleProcess.FreePort(), trainer = RoleProcess.FreePort(), evaluator = RoleProcess.FreePort(), serve = RoleProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(run.Directory, "token"), "evaluator-node-token\n");
        string spec = await File.ReadAllTextAsync(run.SpecPath);
        spec = spec
            .Replace("cluster: { workers_per_node: 2 }",
                $"cluster: {{ workers_per_node: 1, min_workers: 1, seed_nodes: [akka.tcp://orchestrator@127.0.0.1:{seed}] }}", StringComparison.Ordinal)
            .Replace("checkpoint: { every_steps: 2, keep_last: 5 }",
                $"checkpoint: {{ every_steps: 10, keep_last: 5, keep_best_by: frechet, serve: {{ port: {serve}, token_file: token }} }}", StringComparison.Ordinal);
        Assert.Contains("seed_nodes", spec, StringComparison.Ordinal);
        Assert.Contains("serve:", spec, StringComparison.Ordinal);
        await File.WriteAllTextAsync(run.SpecPath, spec);

        using var coordinator = RoleProcess.Start("coordinator", run.Directory, "coordinator", "--config", run.SpecPath, "--port", $"{seed}");
        await coordinator.WaitForLineAsync("checkpoints served at", Limit);
        using var evaluatorNode = RoleProcess.Start("evaluator", run.Directory, "evaluator", "--config", run.SpecPath, "--port", $"{evaluator}");
        await evaluatorNode.WaitForLineAsync("evaluator: registered with run 'tiny'", Limit);
        using var trainerNode = RoleProcess.Start("trainer", run.Directory, "trainer", "--config", run.SpecPath, "--port", $"{trainer}");

        Assert.True(await coordinator.ExitAsync(Limit) == 0, coordinator.Output);
        Assert.True(await trainerNode.ExitAsync(Limit) == 0, trainerNode.Output);
        Assert.True(await evaluatorNode.ExitAsync(Limit) == 0, evaluatorNode.Output);

        var evaluation = Assert.Single(Records(Path.Combine(run.Directory, "out", "metrics.jsonl")),
            r => r.TryGetProperty("event", out var e) && e.GetString() == "evaluation");
        Assert.Equal(2, evaluation.GetProperty("step").GetInt64());
        Assert.Equal($"akka.tcp://orchestrator@127.0.0.1:{evaluator}", evaluation.GetProperty("evaluator").GetString());
        var metrics = evaluation.GetProperty("metrics");
        string frechet = evaluation.GetProperty("frechet_metric").GetString()!;
        Assert.Equal("frechet-resnet18", frechet);
        Assert.True(metrics.GetProperty(frechet).GetDouble() >= 0);
        string grid = Path.Combine(run.Directory, evaluation.GetProperty("grid").GetString()!);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await File.ReadAllBytesAsync(grid))[..4]);

        // Pulled over HTTP into the evaluator's cache, and removed after the evaluation.
        Assert.Contains("CLIP score off", evaluatorNode.Output, StringComparison.Ordinal);
        Assert.Contains("evaluator: step 2 evaluated", evaluatorNode.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(run.Directory, "out", "evaluator-cache")), evaluatorNode.Output);
        Assert.Empty(Directory.GetDirectories(Path.Combine(run.Directory, "out", "evaluator-cache")));
        Assert.Equal("step-00000002", File.ReadAllText(Path.Combine(run.CheckpointRoot, "pin-best")).Trim());
    }

    private static List<JsonElement> Records(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}
