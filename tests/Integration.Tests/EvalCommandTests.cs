using System.Text.Json;

namespace Orchestrator.Integration.Tests;

[Collection("processes")]
public sealed class EvalCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Eval_of_a_served_checkpoint_downloads_it_and_gives_the_figures_of_a_local_eval()
    {
        using var run = new TinyRun(steps: 2);
        var train = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--config", run.SpecPath);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        var token = Path.Combine(run.Directory, "token");
        await File.WriteAllTextAsync(token, "integration-token\n");

        using var serve = await ServeProcess.StartAsync(
            run.Directory, TimeSpan.FromMinutes(1), "--dir", run.CheckpointRoot, "--port", "0", "--token-file", token);
        var remote = await OrchestratorProcess.RunAsync(
            run.Directory, Limit, "eval", "--checkpoint", new Uri(serve.Address, "/checkpoints/latest").ToString(),
            "--token-file", token, "--out", "remote");
        var local = await OrchestratorProcess.RunAsync(
            run.Directory, Limit, "eval", "--checkpoint", Path.Combine(run.CheckpointRoot, "step-00000002"), "--out", "local");

        Assert.True(remote.ExitCode == 0, remote.Output + remote.Error);
        Assert.True(local.ExitCode == 0, local.Output + local.Error);
        var downloaded = Path.Combine(run.Directory, "remote", "checkpoints", "step-00000002");
        foreach (var file in Directory.GetFiles(Path.Combine(run.CheckpointRoot, "step-00000002")))
        {
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(Path.Combine(downloaded, Path.GetFileName(file))));
        }

        var remoteLine = Evaluation(Path.Combine(run.Directory, "remote", "metrics.jsonl"));
        var localLine = Evaluation(Path.Combine(run.Directory, "local", "metrics.jsonl"));
        Assert.Equal(2, remoteLine.GetProperty("step").GetInt64());
        Assert.Equal(localLine.GetProperty("frechet_distance").GetDouble(), remoteLine.GetProperty("frechet_distance").GetDouble(), 1e-9);
        Assert.Contains("step 2: frechet distance", remote.Output);
        var grid = remoteLine.GetProperty("grid").GetString()!;
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await File.ReadAllBytesAsync(Path.Combine(run.Directory, grid)))[..4]);
    }

    [Fact]
    public async Task Eval_of_a_url_with_a_wrong_token_fails_with_401_and_downloads_nothing()
    {
        using var run = new TinyRun();
        var token = Path.Combine(run.Directory, "token");
        var wrong = Path.Combine(run.Directory, "wrong");
        await File.WriteAllTextAsync(token, "integration-token");
        await File.WriteAllTextAsync(wrong, "guess");

        using var serve = await ServeProcess.StartAsync(
            run.Directory, TimeSpan.FromMinutes(1), "--dir", run.CheckpointRoot, "--port", "0", "--token-file", token);
        var result = await OrchestratorProcess.RunAsync(
            run.Directory, Limit, "eval", "--checkpoint", new Uri(serve.Address, "/checkpoints/latest").ToString(),
            "--token-file", wrong, "--out", "remote");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HTTP 401", result.Error);
        Assert.False(Directory.Exists(Path.Combine(run.Directory, "remote")));
    }

    private static JsonElement Evaluation(string metricsPath)
    {
        var line = Assert.Single(File.ReadAllLines(metricsPath));
        using var document = JsonDocument.Parse(line);
        Assert.Equal("evaluation", document.RootElement.GetProperty("event").GetString());
        return document.RootElement.Clone();
    }
}
