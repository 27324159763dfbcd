using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Console;
using Orchestrator.Core.Telemetry;
using Orchestrator.Evaluator.Clip;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Evaluator.Plots;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Run;

/// <summary>
/// The run's record: one JSON line per step, checkpoint and evaluation in metrics.jsonl, the live
/// progress bar, the telemetry instruments, the <see cref="RunStatus"/> of the run page, and at the end a
/// plot of the loss and the evaluation metrics over steps and the run summary.
/// </summary>
public sealed class RunJournal : IDisposable
{
    // A rank whose compute time is this many times the median of the other ranks' for StragglerSteps steps in a
    // row is named in the log (at most once per StragglerQuiet steps). Compute, not total step time: the others
    // wait for a slow rank inside the all-reduce, so their total times grow as much as its own.
    private const double StragglerRatio = 1.5;
    private const int StragglerSteps = 3;
    private const long StragglerQuiet = 50;

    // A diverged model's NaN loss or distance is written as "NaN", not an exception that ends the run.
    private static readonly JsonSerializerOptions JsonLine = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly StreamWriter _metrics;
    private readonly StreamWriter _consumed;
    private readonly Dictionary<int, long> _stragglerNamedAt = [];
    private readonly Dictionary<int, int> _slowSteps = [];
    private readonly Dictionary<int, double> _computeSecondsByRank = [];
    private readonly ProgressBar _progress;
    private readonly string _outputDirectory;
    private readonly List<(double X, double Y)> _losses = [];
    private readonly List<(double X, double Y)> _frechet = [];
    private readonly List<(double X, double Y)> _clipScores = [];
    private readonly Dictionary<int, double> _stepSecondsByRank = [];
    private readonly Stopwatch _clock = new();
    private long _startStep;
    private long _totalSteps;
    private long _completed;
    private long _samplesSinceStart;
    private double? _firstLoss;
    private double _lastLoss = double.NaN;
    private string? _lastCheckpoint;
    private EvaluationCompleted? _lastEvaluation;

    /// <param name="outputDirectory">where metrics.jsonl, consumed-samples.tsv and the plots go</param>
    /// <param name="progress">the live progress bar</param>
    /// <param name="resumeStep">the step a resumed run starts from: samples logged for later steps belong to a timeline the checkpoint discarded</param>
    /// <param name="status">the run page's state (null: one of the journal's own)</param>
    public RunJournal(string outputDirectory, ProgressBar progress, long resumeStep = long.MaxValue, RunStatus? status = null)
    {
        Status = status ?? new RunStatus("run");
        _outputDirectory = outputDirectory;
        Directory.CreateDirectory(outputDirectory);
        MetricsPath = Path.Combine(outputDirectory, "metrics.jsonl");
        _metrics = new StreamWriter(new FileStream(MetricsPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        ConsumedPath = Path.Combine(outputDirectory, "consumed-samples.tsv");
        ForgetConsumedFrom(ConsumedPath, resumeStep);
        _consumed = new StreamWriter(new FileStream(ConsumedPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        _progress = progress;
    }

    /// <summary>One line per committed sample: step, rank, key (tab-separated). Only committed steps are written.</summary>
    public string ConsumedPath { get; }

    // A run resumed from the checkpoint of step S redoes steps S, S+1, ...: their earlier lines go, so the
    // log holds exactly the samples that the weights have seen.
    private static void ForgetConsumedFrom(string path, long step)
    {
        if (step == long.MaxValue || !File.Exists(path))
        {
            return;
        }
        var kept = File.ReadLines(path)
            .Where(line => long.TryParse(line.AsSpan(0, Math.Max(line.IndexOf('\t'), 0)), CultureInfo.InvariantCulture, out long s) && s < step)
            .ToList();
        string temporary = path + ".tmp";
        File.WriteAllLines(temporary, kept);
        File.Move(temporary, path, overwrite: true);
    }

    public string MetricsPath { get; }

    /// <summary>The live state the run page reads.</summary>
    public RunStatus Status { get; }

    public void Started(long startStep, long totalSteps, int workers)
    {
        Status.Started(totalSteps);
        _startStep = startStep;
        _completed = startStep;
        _totalSteps = totalSteps;
        _clock.Restart();
        Write(new { @event = "start", step = startStep, total_steps = totalSteps, workers, time = Now() });
    }

    /// <summary>
    /// A step every rank reduced: its samples go to the consumed-samples log, per-rank timings to the metrics
    /// (a straggler is named in the log), and the step to <see cref="Stepped"/>.
    /// </summary>
    public void Committed(IReadOnlyList<StepCompleted> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        _stepSecondsByRank.Clear();
        _computeSecondsByRank.Clear();
        foreach (var report in reports)
        {
            _stepSecondsByRank[report.Rank] = report.Outcome.TotalSeconds;
            _computeSecondsByRank[report.Rank] = report.Outcome.ComputeSeconds;
            foreach (string key in report.Keys)
            {
                _consumed.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.Outcome.Step}\t{report.Rank}\t{key}"));
            }
        }
        NameStraggler(reports);
        Stepped(reports[0].Outcome);
    }

    private void NameStraggler(IReadOnlyList<StepCompleted> reports)
    {
        if (reports.Count < 2)
        {
            return;
        }
        foreach (var report in reports)
        {
            var others = reports.Where(r => r.Rank != report.Rank).Select(r => r.Outcome.ComputeSeconds).Order().ToList();
            double median = others.Count % 2 == 1 ? others[others.Count / 2] : (others[others.Count / 2 - 1] + others[others.Count / 2]) / 2;
            int rank = report.Rank;
            _slowSteps[rank] = report.Outcome.ComputeSeconds > StragglerRatio * median ? _slowSteps.GetValueOrDefault(rank) + 1 : 0;
            long step = report.Outcome.Step;
            if (_slowSteps[rank] < StragglerSteps
                || (_stragglerNamedAt.TryGetValue(rank, out long last) && step - last < StragglerQuiet))
            {
                continue;
            }
            _stragglerNamedAt[rank] = step;
            _progress.Note(string.Create(CultureInfo.InvariantCulture,
                $"straggler: rank {rank} computed more than {StragglerRatio}x as long as the median of the other ranks for {_slowSteps[rank]} steps in a row; " +
                $"step {step}: {report.Outcome.ComputeSeconds:0.000} s against {median:0.000} s"));
            Write(new { @event = "straggler", rank, step, compute_seconds = report.Outcome.ComputeSeconds, median_other_ranks = median, steps = _slowSteps[rank], time = Now() });
        }
    }

    /// <summary>A trainer node joined or was lost; <paramref name="offeredWorkers"/> workers are offered now.</summary>
    public void Membership(string change, string node, int offeredWorkers)
    {
        _progress.Note($"membership: {change.Replace('_', ' ')} {node} ({offeredWorkers} workers offered)");
        Status.Note($"{change.Replace('_', ' ')}: {node} ({offeredWorkers} workers offered)");
        Write(new { @event = change, node, offered_workers = offeredWorkers, time = Now() });
    }

    /// <summary>An evaluator node registered or was lost; <paramref name="evaluators"/> take evaluations now.</summary>
    public void EvaluatorMembership(string change, string node, int evaluators)
    {
        _progress.Note($"membership: {change.Replace('_', ' ')} {node} ({evaluators} evaluator nodes)");
        Status.Note($"{change.Replace('_', ' ')}: {node} ({evaluators} evaluator nodes)");
        Write(new { @event = change, node, evaluator_nodes = evaluators, time = Now() });
    }

    /// <summary>A group generation formed: from here on the world size is <paramref name="worldSize"/>.</summary>
    public void GroupFormed(long generation, int worldSize, long step)
    {
        _progress.Note(string.Create(CultureInfo.InvariantCulture, $"group: generation {generation}, {worldSize} workers, at step {step}"));
        Status.GroupFormed(generation, worldSize, step);
        Write(new { @event = "group", generation, world_size = worldSize, step, time = Now() });
    }

    /// <summary>The replicas' state fingerprints at the end of the run (equal on every rank of a correct run).</summary>
    public void Fingerprints(IReadOnlyDictionary<int, string> byRank) =>
        Write(new { @event = "replicas", fingerprints = byRank.OrderBy(p => p.Key).Select(p => p.Value).ToArray(), time = Now() });

    private void Stepped(StepOutcome outcome)
    {
        _completed = outcome.Step + 1;
        _samplesSinceStart += outcome.GlobalSamples;
        double rate = _samplesSinceStart / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        _firstLoss ??= outcome.MeanLoss;
        _lastLoss = outcome.MeanLoss;
        _losses.Add((_completed, outcome.MeanLoss));
        OrchestratorTelemetry.RecordLoss(outcome.MeanLoss);
        OrchestratorTelemetry.AddSamples(outcome.GlobalSamples);
        OrchestratorTelemetry.RecordSamplesPerSecond(rate);
        OrchestratorTelemetry.RecordStep(_completed);
        Status.Stepped(new RunStatus.StepPoint(
            _completed, outcome.MeanLoss, rate, _stepSecondsByRank.OrderBy(p => p.Key).Select(p => p.Value).ToArray(), DateTimeOffset.UtcNow));
        Write(new
        {
            step = _completed,
            loss = outcome.MeanLoss,
            samples = outcome.GlobalSamples,
            samples_per_second = rate,
            grad_norm = outcome.GradNorm,
            step_seconds_by_rank = _stepSecondsByRank.OrderBy(p => p.Key).Select(p => p.Value).ToArray(),
            compute_seconds_by_rank = _computeSecondsByRank.OrderBy(p => p.Key).Select(p => p.Value).ToArray(),
            time = Now(),
        });
        double stepsPerSecond = (_completed - _startStep) / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        _progress.Report(_completed, _totalSteps,
            string.Create(CultureInfo.InvariantCulture, $"loss {outcome.MeanLoss:0.0000} {rate:0.0} samples/s"), stepsPerSecond);
    }

    public void CheckpointSaved(CheckpointSaved saved)
    {
        _lastCheckpoint = saved.Directory;
        _progress.Note(string.Create(CultureInfo.InvariantCulture, $"checkpoint: step {saved.Step} saved to {saved.Directory} in {saved.Seconds:0.00} s"));
        Status.Note(string.Create(CultureInfo.InvariantCulture, $"checkpoint: step {saved.Step} saved in {saved.Seconds:0.00} s"));
        Write(new { @event = "checkpoint", step = saved.Step, directory = saved.Directory, seconds = saved.Seconds, time = Now() });
    }

    /// <summary>An evaluation's metrics (name to value, such as fid or frechet-resnet18, clip_score), grid and evaluator.</summary>
    public void Evaluated(EvaluationCompleted completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        _lastEvaluation = completed;
        _frechet.Add((completed.Step, completed.FrechetDistance));
        if (completed.Metrics.TryGetValue(ClipScorer.MetricName, out double clip))
        {
            _clipScores.Add((completed.Step, clip));
        }
        string figures = string.Join(", ", completed.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.0000}")));
        _progress.Note($"evaluation: step {completed.Step} ({completed.Evaluator}): {figures}; samples {completed.GridPath}");
        Status.Evaluated(completed);
        Status.Note($"evaluation: step {completed.Step}: {figures}");
        Write(new
        {
            @event = "evaluation",
            step = completed.Step,
            metrics = completed.Metrics,
            frechet_distance = completed.FrechetDistance,
            frechet_metric = completed.FrechetMetric,
            extractor = completed.Extractor,
            evaluator = completed.Evaluator,
            grid = completed.GridPath,
            time = Now(),
        });
    }

    public void EvaluationFailed(EvaluationFailed failed)
    {
        _progress.Note($"evaluation: step {failed.Step} failed: {failed.Reason}");
        Status.Note($"evaluation: step {failed.Step} failed: {failed.Reason}");
        Write(new { @event = "evaluation_failed", step = failed.Step, reason = failed.Reason, time = Now() });
    }

    /// <summary>Metrics stored in a checkpoint's manifest.</summary>
    public IReadOnlyDictionary<string, double> CheckpointMetrics() =>
        double.IsNaN(_lastLoss) ? new Dictionary<string, double>() : new Dictionary<string, double> { ["loss"] = _lastLoss };

    public RunSummary Finish()
    {
        string? plot = null;
        if (_losses.Count > 1 || _frechet.Count > 0)
        {
            // One picture of the run: quantities of different scales, each on its own axis, over one step axis.
            var panels = new List<PlotPanel> { new("training loss", "loss", [("loss", _losses)]) };
            if (_frechet.Count > 0)
            {
                string name = _lastEvaluation!.FrechetMetric;
                panels.Add(new(name == "fid" ? "FID (lower is better)" : $"Frechet distance, {name} (lower is better)", name, [(name, _frechet)]));
            }
            if (_clipScores.Count > 0)
            {
                panels.Add(new("CLIP score (higher is better)", ClipScorer.MetricName, [(ClipScorer.MetricName, _clipScores)]));
            }
            plot = Path.Combine(_outputDirectory, "loss.png");
            LinePlot.WritePanelsPng(plot, panels, "step");
        }
        Write(new { @event = "finish", step = _completed, time = Now() });
        Status.Finished();
        return new RunSummary(
            _startStep, _completed, _firstLoss ?? double.NaN, _lastLoss, _lastCheckpoint,
            _lastEvaluation?.GridPath, _lastEvaluation?.FrechetDistance, _lastEvaluation?.FrechetMetric, MetricsPath, plot);
    }

    /// <summary>The run stopped with <paramref name="reason"/> (exit 1).</summary>
    public void Failed(string reason)
    {
        Status.Failed(reason);
        try
        {
            Write(new { @event = "failed", reason, time = Now() });
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The failure may be that metrics.jsonl cannot be written; its record must not hide it.
        }
    }

    private void Write(object record) => _metrics.WriteLine(JsonSerializer.Serialize(record, JsonLine));

    private static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _metrics.Dispose();
        _consumed.Dispose();
    }
}
