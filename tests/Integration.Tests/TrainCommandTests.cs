using System.Text.Json;

namespace Orchestrator.Integration.Tests;

[Collection("processes")]
public sealed class TrainCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Train_prints_losses_and_leaves_a_checkpoint_a_grid_and_metrics()
    {
        using var run = new TinyRun(steps: 4);
        var result = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--config", run.SpecPath);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("first loss:", result.Output);
        Assert.Contains("last loss:", result.Output);
        string step4 = Path.Combine(run.CheckpointRoot, "step-00000004");
        foreach (string file in new[] { "model.safetensors", "ema.safetensors", "optimizer.safetensors", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(step4, file)), $"{file} missing in {step4}");
        }
        Assert.Equal("step-00000004", File.ReadAllText(Path.Combine(run.CheckpointRoot, "latest")).Trim());
        Assert.True(File.Exists(Path.Combine(run.Directory, "out", "samples", "step-00000004.png")), result.Output);
        var metrics = File.ReadAllLines(Path.Combine(run.Directory, "out", "metrics.jsonl"));
        Assert.Equal(4, metrics.Count(line => line.StartsWith("{\"step\"", StringComparison.Ordinal)));
        Assert.Contains(metrics, line => line.Contains("\"event\":\"evaluation\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resumed_run_ends_with_the_same_weights_as_an_unbroken_run()
    {
        using var straight = new TinyRun(steps: 4);
        using var interrupted = new TinyRun(steps: 4);
        var a = await OrchestratorProcess.RunAsync(straight.Directory, Limit, "train", "--config", straight.SpecPath);
        Assert.True(a.ExitCode == 0, a.Output + a.Error);
        var b1 = await OrchestratorProcess.RunAsync(interrupted.Directory, Limit, "train", "--config", interrupted.SpecPath, "--steps", "2");
        Assert.True(b1.ExitCode == 0, b1.Output + b1.Error);
        var b2 = await OrchestratorProcess.RunAsync(interrupted.Directory, Limit, "train", "--config", interrupted.SpecPath, "--resume", "latest");
        Assert.True(b2.ExitCode == 0, b2.Output + b2.Error);
        Assert.Contains("resuming from", b2.Output);

        foreach (string file in new[] { "model.safetensors", "ema.safetensors", "optimizer.safetensors" })
        {
            Assert.Equal(FileHash(straight, file), FileHash(interrupted, file));
        }
    }

    [Fact]
    public async Task Resume_from_a_damaged_latest_checkpoint_falls_back_to_the_previous_one()
    {
        using var run = new TinyRun(steps: 4);
        var first = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--config", run.SpecPath);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        string damaged = Path.Combine(run.CheckpointRoot, "step-00000004", "model.safetensors");
        byte[] bytes = File.ReadAllBytes(damaged);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(damaged, bytes);

        var resumed = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--config", run.SpecPath, "--resume", "latest", "--steps", "6");

        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Contains("warning:", resumed.Output);
        Assert.Contains("model.safetensors", resumed.Output);
        Assert.Contains("resuming from", resumed.Output);
        Assert.Contains("step-00000002 at step 2", resumed.Output);
        Assert.True(File.Exists(Path.Combine(run.CheckpointRoot, "step-00000006", "manifest.json")));
    }

    [Fact]
    public async Task A_bad_spec_fails_at_start_naming_the_key_and_the_expectation()
    {
        using var run = new TinyRun(extra: "telemetry: { progres: true }");
        var result = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--config", run.SpecPath);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("telemetry.progres", result.Error);
        Assert.False(System.IO.Directory.Exists(Path.Combine(run.Directory, "out")), "nothing should be written for a bad spec");
    }

    [Fact]
    public async Task A_global_batch_larger_than_the_data_is_refused_naming_both()
    {
        using var run = new TinyRun();
        File.WriteAllText(run.SpecPath, File.ReadAllText(run.SpecPath).Replace("global_batch: 8", "global_batch: 128", StringComparison.Ordinal));
        var result = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--config", run.SpecPath);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("train.global_batch: larger than the training data, got 128", result.Error);
        Assert.Contains("64 rows of data.train (shards/train)", result.Error);
    }

    [Fact]
    public async Task An_unknown_option_is_refused_with_the_known_ones()
    {
        using var run = new TinyRun();
        var result = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--confg", run.SpecPath);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown option --confg", result.Error);
        Assert.Contains("--config", result.Error);
    }

    private static string FileHash(TinyRun run, string file)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.CheckpointRoot, "step-00000004", "manifest.json")));
        return manifest.RootElement.GetProperty("files").GetProperty(file).GetProperty("sha256").GetString()!;
    }
}
