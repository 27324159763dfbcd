using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Run;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Evaluation;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The coordinator role of a process: the run's journal, schedule and evaluation, and where it starts
/// (a fresh run, or a checkpoint when resuming). <see cref="Completion"/> ends with the run's summary.
/// </summary>
public sealed class CoordinatorProcess : IDisposable
{
    private readonly RunJournal _journal;
    private readonly CheckpointEvaluation _evaluation;

    private CoordinatorProcess(RunJournal journal, CheckpointEvaluation evaluation, RunHost.CoordinatorPart part)
    {
        _journal = journal;
        _evaluation = evaluation;
        Part = part;
    }

    public RunHost.CoordinatorPart Part { get; }

    public TaskCompletionSource<RunSummary> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// <paramref name="minWorkers"/>/<paramref name="maxWorkers"/> bound the group; <paramref name="resume"/>
    /// is the checkpoint the first group starts from (null: a fresh run).
    /// </summary>
    public static async Task<CoordinatorProcess> CreateAsync(
        RunData data, LoadedCheckpoint? resume, int minWorkers, int maxWorkers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var spec = data.Spec;
        long startStep = resume?.Manifest.Step ?? 0;
        var heldOut = await HeldOutSet.LoadAsync(spec, cancellationToken);
        var evalBar = ProgressBar.ForConsole("eval", spec.Telemetry.Progress);
        var evaluation = new CheckpointEvaluation(
            spec, heldOut, spec.SamplesDirectory(), (done, total) => evalBar.Report(done, total, "sampler steps"));
        var journal = new RunJournal(
            spec.Run.OutputDir, ProgressBar.ForConsole("train", spec.Telemetry.Progress), resume?.Manifest.Step ?? long.MaxValue, new RunStatus(spec.Run.Name));
        var schedule = new RunSchedule(startStep, data.Setup.TotalSteps, spec.Checkpoint, spec.Eval);
        var timeout = TimeSpan.FromSeconds(spec.Cluster.CollectiveTimeoutSeconds);
        CoordinatorProcess? process = null;
        var store = new CheckpointStore(spec.CheckpointDirectory(), spec.Checkpoint.KeepLast);
        var part = new RunHost.CoordinatorPart(evaluation, store, journal.Status, evaluator => new RunCoordinatorSettings(
            spec.Run.Name, minWorkers, maxWorkers, schedule, resume?.Path, journal, evaluator, process!.Completion,
            FormationTimeout: timeout + timeout,
            FailureGrace: TimeSpan.FromSeconds(spec.Cluster.DownAfterSeconds + 5)));
        process = new CoordinatorProcess(journal, evaluation, part);
        return process;
    }

    public void Dispose()
    {
        _journal.Dispose();
        _evaluation.Dispose();
    }
}
