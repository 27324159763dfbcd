namespace Orchestrator.Integration.Tests;

[Collection("processes")]
public sealed class SampleCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Sample_writes_a_grid_for_the_given_prompts_from_a_checkpoint()
    {
        using var run = new TinyRun(steps: 2);
        var train = await OrchestratorProcess.RunAsync(run.Directory, Limit, "train", "--config", run.SpecPath);
        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        string checkpoint = Path.Combine(run.CheckpointRoot, "step-00000002");
        string grid = Path.Combine(run.Directory, "grid.png");

        var result = await OrchestratorProcess.RunAsync(
            run.Directory, Limit, "sample", "--checkpoint", checkpoint, "--prompt", "a red circle", "--prompt", "a blue square",
            "--steps", "3", "--weights", "model", "--out", grid);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("2 prompts, ddim 3 steps", result.Output);
        byte[] png = File.ReadAllBytes(grid);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public async Task Sample_refuses_a_missing_checkpoint_and_bad_options_with_what_was_expected()
    {
        using var run = new TinyRun();
        var missing = await OrchestratorProcess.RunAsync(run.Directory, Limit, "sample", "--checkpoint", "nowhere/step-00000001");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nowhere", missing.Error);

        var weights = await OrchestratorProcess.RunAsync(run.Directory, Limit, "sample", "--checkpoint", "x", "--weights", "best");
        Assert.Equal(2, weights.ExitCode);
        Assert.Contains("option --weights: expected ema or model, got 'best'", weights.Error);

        var guidance = await OrchestratorProcess.RunAsync(run.Directory, Limit, "sample", "--checkpoint", "x", "--guidance", "-1");
        Assert.Equal(2, guidance.ExitCode);
        Assert.Contains("option --guidance: expected a number >= 0, got '-1'", guidance.Error);

        var eta = await OrchestratorProcess.RunAsync(run.Directory, Limit, "sample", "--checkpoint", "x", "--eta", "1.5");
        Assert.Equal(2, eta.ExitCode);
        Assert.Contains("option --eta: expected a number in [0, 1], got '1.5'", eta.Error);
    }
}
