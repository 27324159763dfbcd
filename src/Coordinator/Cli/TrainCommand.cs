using System.Globalization;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Run;
using Orchestrator.Coordinator.Security;
using Orchestrator.Coordinator.Telemetry;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orchestrator train [--config run.yaml] [--resume latest|auto|DIR] [--steps N] [--metrics-port P]`: a whole run in one process.</summary>
public static class TrainCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "config", "resume", "steps", "metrics-port" };

    public static async Task<int> RunAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var (spec, specText, source) = LoadSpec(command);
        using var tls = LoadTls(spec);
        if (spec.Data.Synthetic is { } synthetic)
        {
            await ShardsCommand.MakeSyntheticAsync(synthetic, spec.Telemetry.Progress, cancellationToken);
        }
        var data = await OpenDataAsync(spec, source, cancellationToken);
        var resume = Resume(command, spec);

        await using var telemetry = await TelemetryExport.StartAsync(spec.Telemetry, "train", command.PortNumber("metrics-port"), cancellationToken);
        int workers = spec.Cluster.WorkersPerNode;
        using var coordinator = await CoordinatorProcess.CreateAsync(data, resume, workers, workers, cancellationToken);
        using var trainer = TrainerProcess.Create(data, specText);
        var summary = await RunHostAsync(RunHost.Build(spec, coordinator.Part, trainer.Part, tls: tls), coordinator.Completion.Task, cancellationToken);
        PrintSummary(summary, data);
        await telemetry.AwaitFinalScrapeAsync(cancellationToken);
        return 0;
    }

    /// <summary>The spec of --config (or the embedded quickstart) with --steps applied.</summary>
    internal static (RunSpec Spec, string Text, string Source) LoadSpec(CommandLine command)
    {
        var (spec, specText, source) = SpecSource.Load(command.Value("config"));
        if (command.PositiveInt("steps") is int steps)
        {
            spec = spec.WithSteps(steps);
        }
        System.Console.WriteLine($"run '{spec.Run.Name}' from {source}");
        return (spec, specText, source);
    }

    /// <summary>The node's TLS material (cluster.tls), read before anything heavy starts so that a bad file fails at once.</summary>
    internal static ClusterTls? LoadTls(RunSpec spec)
    {
        var tls = ClusterTls.Load(spec.Cluster.Tls, line => System.Console.WriteLine(line));
        if (tls is not null)
        {
            System.Console.WriteLine($"cluster: {tls.Describe()}");
        }
        return tls;
    }

    internal static async Task<RunData> OpenDataAsync(RunSpec spec, string source, CancellationToken cancellationToken)
    {
        var data = await RunData.OpenAsync(spec, source, cancellationToken);
        System.Console.WriteLine(
            $"data: {data.Catalog.TotalRows} rows in {data.Catalog.Shards.Count} shards, {data.Plan.StepsPerEpoch} steps per epoch; " +
            $"{data.Setup.TotalSteps} steps of {spec.Train.GlobalBatch} samples");
        return data;
    }

    /// <summary>--resume latest (the newest good checkpoint, which must exist), auto (that, or a fresh run) or a checkpoint folder.</summary>
    internal static LoadedCheckpoint? Resume(CommandLine command, RunSpec spec, string? fallback = null)
    {
        var store = new CheckpointStore(spec.CheckpointDirectory(), spec.Checkpoint.KeepLast);
        void Warn(string warning) => System.Console.WriteLine($"warning: {warning}");
        var resume = (command.Value("resume") ?? fallback) switch
        {
            null => null,
            "latest" => store.LoadLatest(Warn),
            "auto" => store.TryLoadLatest(Warn),
            string reference => store.Load(reference),
        };
        if (resume is not null)
        {
            System.Console.WriteLine($"resuming from {resume.Path} at step {resume.Manifest.Step}");
        }
        return resume;
    }

    /// <summary>Runs the host until <paramref name="completion"/> ends, then stops it.</summary>
    internal static async Task<T> RunHostAsync<T>(Microsoft.Extensions.Hosting.IHost host, Task<T> completion, CancellationToken cancellationToken)
    {
        using (host)
        {
            await host.StartAsync(cancellationToken);
            try
            {
                return await completion.WaitAsync(cancellationToken);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
    }

    internal static void PrintSummary(RunSummary summary, RunData data)
    {
        var c = CultureInfo.InvariantCulture;
        System.Console.WriteLine();
        System.Console.WriteLine(string.Create(c, $"steps {summary.StartStep} -> {summary.CompletedSteps}"));
        System.Console.WriteLine(string.Create(c, $"first loss: {summary.FirstLoss:0.0000}"));
        System.Console.WriteLine(string.Create(c, $"last loss:  {summary.LastLoss:0.0000}"));
        System.Console.WriteLine($"checkpoint: {summary.LastCheckpoint ?? "(none)"}");
        System.Console.WriteLine($"samples:    {summary.LastGrid ?? "(no evaluation)"}");
        if (summary.LastGrid is not null && data.Spec.Data.SampleFrames > 1)
        {
            System.Console.WriteLine($"clips:      {Path.Combine(Path.ChangeExtension(summary.LastGrid, null), "*.gif")}");
        }
        if (summary.LastFrechetDistance is double distance)
        {
            System.Console.WriteLine(string.Create(c, $"frechet distance ({summary.Extractor}): {distance:0.0000}"));
        }
        System.Console.WriteLine($"metrics:    {summary.MetricsPath}");
        if (summary.LossPlotPath is not null)
        {
            System.Console.WriteLine($"loss plot:  {summary.LossPlotPath}");
        }
        System.Console.WriteLine($"rows skipped: {data.Skips.Describe()}");
        if (data.Spec.Data.Clip is not null)
        {
            System.Console.WriteLine($"video rows skipped: {data.VideoSkips.Describe()}");
        }
    }
}
