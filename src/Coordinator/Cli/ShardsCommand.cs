using Orchestrator.Coordinator.Console;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orchestrator shards make [--config run.yaml]`: writes the spec's synthetic dataset.</summary>
public static class ShardsCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "config" };

    public static async Task<int> MakeAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var (spec, _, source) = SpecSource.Load(command.Value("config"));
        var synthetic = spec.Data.Synthetic
            ?? throw new RunSpecException([$"{source}: data.synthetic: is not set; expected the synthetic dataset to make"]);
        await MakeSyntheticAsync(synthetic, spec.Telemetry.Progress, cancellationToken);
        return 0;
    }

    /// <summary>Writes the synthetic shards unless they are already complete, with a progress bar.</summary>
    public static async Task MakeSyntheticAsync(SyntheticDataSection synthetic, bool progress, CancellationToken cancellationToken)
    {
        var bar = ProgressBar.ForConsole("shards", progress);
        var started = DateTime.UtcNow;
        var set = await SyntheticShardMaker.MakeAsync(
            synthetic,
            (done, total) => bar.Report(done, total, "rows", done / Math.Max((DateTime.UtcNow - started).TotalSeconds, 1e-3)),
            cancellationToken);
        System.Console.WriteLine(
            $"synthetic dataset: {set.TrainShards.Count} train and {set.ValidationShards.Count} validation shards " +
            (set.Created ? "written" : "already there"));
    }
}
