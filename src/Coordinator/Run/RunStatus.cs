using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Run;

/// <summary>
/// The live state of a run as the run page shows it (docs/telemetry.md, "The run page"): written by the
/// <see cref="RunJournal"/> on the coordinator's thread, read by HTTP requests on others, so every access
/// takes the lock and readers get copies.
/// </summary>
public sealed class RunStatus(string runName)
{
    // Series longer than this are thinned for the page: every k-th point, and always the last.
    public const int MaxSeriesPoints = 1000;

    private const int MaxEvents = 20;

    private readonly Lock _lock = new();
    private readonly List<StepPoint> _steps = [];
    private readonly List<EvaluationPoint> _evaluations = [];
    private readonly LinkedList<RunEvent> _events = new();
    private string _state = "starting";
    private string? _reason;
    private long _totalSteps;
    private int _worldSize;
    private long _generation;

    public string RunName { get; } = runName;

    /// <summary>A committed step: its loss, the run's samples per second so far, and each rank's step time.</summary>
    public sealed record StepPoint(long Step, double Loss, double SamplesPerSecond, IReadOnlyList<double> StepSecondsByRank, DateTimeOffset Time);

    /// <summary>An evaluation's metrics and sample grid.</summary>
    public sealed record EvaluationPoint(long Step, IReadOnlyDictionary<string, double> Metrics, string FrechetMetric, string GridPath, string Evaluator, DateTimeOffset Time);

    /// <summary>Something that happened to the run (membership, groups, checkpoints), for its log on the page.</summary>
    public sealed record RunEvent(DateTimeOffset Time, string Text);

    /// <summary>A copy of everything, <see cref="Steps"/> thinned to at most <see cref="MaxSeriesPoints"/> points (the newest always kept).</summary>
    public sealed record Snapshot(
        string Run, string State, string? Reason, long Step, long TotalSteps, int WorldSize, long Generation,
        StepPoint? Latest, IReadOnlyList<StepPoint> Steps, IReadOnlyList<EvaluationPoint> Evaluations, IReadOnlyList<RunEvent> Events);

    public Snapshot Read()
    {
        lock (_lock)
        {
            int stride = Math.Max(1, (_steps.Count + MaxSeriesPoints - 1) / MaxSeriesPoints);
            var steps = _steps.Where((_, i) => i % stride == 0 || i == _steps.Count - 1).ToList();
            var latest = _steps.Count > 0 ? _steps[^1] : null;
            return new Snapshot(
                RunName, _state, _reason, latest?.Step ?? 0, _totalSteps, _worldSize, _generation,
                latest, steps, [.. _evaluations], [.. _events]);
        }
    }

    internal void Started(long totalSteps) => Update(() =>
    {
        _state = "training";
        _totalSteps = totalSteps;
    });

    internal void GroupFormed(long generation, int worldSize, long step) => Update(() =>
    {
        _generation = generation;
        _worldSize = worldSize;
        AddEvent($"group: generation {generation}, {worldSize} workers, at step {step}");
    });

    internal void Stepped(StepPoint point) => Update(() => _steps.Add(point));

    internal void Evaluated(EvaluationCompleted completed) => Update(() => _evaluations.Add(new EvaluationPoint(
        completed.Step, completed.Metrics, completed.FrechetMetric, completed.GridPath, completed.Evaluator, DateTimeOffset.UtcNow)));

    internal void Note(string text) => Update(() => AddEvent(text));

    internal void Finished() => Update(() => _state = "finished");

    internal void Failed(string reason) => Update(() =>
    {
        _state = "failed";
        _reason = reason;
        AddEvent($"failed: {reason}");
    });

    private void AddEvent(string text)
    {
        _events.AddFirst(new RunEvent(DateTimeOffset.UtcNow, text));
        if (_events.Count > MaxEvents)
        {
            _events.RemoveLast();
        }
    }

    private void Update(Action change)
    {
        lock (_lock)
        {
            change();
        }
    }
}
