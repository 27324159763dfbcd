using System.Globalization;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Run;
using Orchestrator.Coordinator.Telemetry;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;
using Orchestrator.Evaluator.Evaluation;
using Orchestrator.Models.Diffusion;
using Orchestrator.Trainer.Devices;
using Orchestrator.Trainer.Reduction;
using Orchestrator.Trainer.Replica;
using TorchSharp;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orchestrator train [--config run.yaml] [--resume latest|DIR] [--steps N]`: a whole run in one process.</summary>
public static class TrainCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "config", "resume", "steps" };

    public static async Task<int> RunAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var (spec, specText, source) = SpecSource.Load(command.Value("config"));
        if (command.PositiveInt("steps") is int steps)
        {
            spec = spec.WithSteps(steps);
        }
        System.Console.WriteLine($"run '{spec.Run.Name}' from {source}");

        if (spec.Data.Synthetic is { } synthetic)
        {
            await ShardsCommand.MakeSyntheticAsync(synthetic, spec.Telemetry.Progress, cancellationToken);
        }

        torch.set_num_threads(spec.Train.IntraOpThreads);
        var device = TrainingDevice.Resolve(spec.Train.Device);
        ShardCatalog.CheckDisjoint(spec.Data.Train, spec.Data.Validation);
        var catalog = await ShardCatalog.OpenAsync(spec.Data.Train, cancellationToken);
        if (catalog.TotalRows < spec.Train.GlobalBatch)
        {
            throw new RunSpecException([
                $"{source}: train.global_batch: larger than the training data, got {spec.Train.GlobalBatch}; " +
                $"expected at most the {catalog.TotalRows} rows of data.train ({string.Join(", ", spec.Data.Train.Select(d => d.Shards))})"]);
        }
        var plan = SamplePlan.For(catalog, spec.Train.GlobalBatch, spec.Run.Seed);
        var tokenizer = new CaptionTokenizer(spec.Data.VocabularySize, spec.Data.MaxCaptionTokens);
        var skips = new SkipCounter(message => System.Console.WriteLine($"skip: {message}"));
        var batches = new BatchSource(catalog, plan, spec.Data.ImageSize, tokenizer, spec.Data.DecodeThreads, skips);
        var schedule = NoiseSchedule.Create(spec.Diffusion);
        var objective = new DiffusionObjective(schedule, spec.Diffusion.CfgDropout, tokenizer.EmptyCaption, spec.Run.Seed);
        var setup = new TrainingSetup(spec, plan, batches, objective);
        System.Console.WriteLine(
            $"data: {catalog.TotalRows} rows in {catalog.Shards.Count} shards, {plan.StepsPerEpoch} steps per epoch; " +
            $"{spec.Cluster.WorkersPerNode} workers on {device.type}; {setup.TotalSteps} steps of {spec.Train.GlobalBatch} samples");

        var store = new CheckpointStore(spec.CheckpointDirectory(), spec.Checkpoint.KeepLast);
        LoadedCheckpoint? resume = command.Value("resume") switch
        {
            null => null,
            "latest" => store.LoadLatest(warning => System.Console.WriteLine($"warning: {warning}")),
            string reference => store.Load(reference),
        };
        long startStep = resume?.Manifest.Step ?? 0;
        if (resume is not null)
        {
            System.Console.WriteLine($"resuming from {resume.Path} at step {startStep}");
        }

        using var telemetry = TelemetryExport.Start(spec.Telemetry);
        var heldOut = await HeldOutSet.LoadAsync(spec, cancellationToken);
        var evalBar = ProgressBar.ForConsole("eval", spec.Telemetry.Progress);
        using var evaluation = new CheckpointEvaluation(
            spec, heldOut, spec.SamplesDirectory(), (done, total) => evalBar.Report(done, total, "sampler steps"));
        var group = new InProcessAllReduceGroup(spec.Cluster.WorkersPerNode, TimeSpan.FromSeconds(spec.Cluster.CollectiveTimeoutSeconds));
        var replicas = Enumerable.Range(0, spec.Cluster.WorkersPerNode).Select(_ => ModelReplica.Create(spec, device)).ToList();
        try
        {
            var workers = replicas.Select((r, rank) => new ReplicaTrainer(setup, r, group.Member(rank))).ToList();
            using var journal = new RunJournal(spec.Run.OutputDir, ProgressBar.ForConsole("train", spec.Telemetry.Progress));
            var completion = new TaskCompletionSource<RunSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
            var contentFactory = new CheckpointContentFactory(spec, specText, plan.StepsPerEpoch);
            var runSchedule = new RunSchedule(startStep, setup.TotalSteps, spec.Checkpoint, spec.Eval);
            using var host = RunHost.Build(new RunHost.Components(
                spec, workers, store, evaluation,
                (checkpointer, evaluator) => new RunCoordinatorSettings(
                    workers.Count, runSchedule, resume, contentFactory, journal, checkpointer, evaluator, completion)));
            await host.StartAsync(cancellationToken);
            RunSummary summary;
            try
            {
                summary = await completion.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
            PrintSummary(summary, skips);
            return 0;
        }
        finally
        {
            foreach (var replica in replicas)
            {
                replica.Dispose();
            }
        }
    }

    private static void PrintSummary(RunSummary summary, SkipCounter skips)
    {
        var c = CultureInfo.InvariantCulture;
        System.Console.WriteLine();
        System.Console.WriteLine(string.Create(c, $"steps {summary.StartStep} -> {summary.CompletedSteps}"));
        System.Console.WriteLine(string.Create(c, $"first loss: {summary.FirstLoss:0.0000}"));
        System.Console.WriteLine(string.Create(c, $"last loss:  {summary.LastLoss:0.0000}"));
        System.Console.WriteLine($"checkpoint: {summary.LastCheckpoint ?? "(none)"}");
        System.Console.WriteLine($"samples:    {summary.LastGrid ?? "(no evaluation)"}");
        if (summary.LastFrechetDistance is double distance)
        {
            System.Console.WriteLine(string.Create(c, $"frechet distance ({summary.Extractor}): {distance:0.0000}"));
        }
        System.Console.WriteLine($"metrics:    {summary.MetricsPath}");
        if (summary.LossPlotPath is not null)
        {
            System.Console.WriteLine($"loss plot:  {summary.LossPlotPath}");
        }
        System.Console.WriteLine($"rows skipped: {skips.Describe()}");
    }
}
