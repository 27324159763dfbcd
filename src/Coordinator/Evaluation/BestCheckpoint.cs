using System.Globalization;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Evaluator.Clip;

namespace Orchestrator.Coordinator.Evaluation;

/// <summary>
/// Keeps the best checkpoint by checkpoint.keep_best_by pinned as "best" in the checkpoint store, so that
/// retention keeps it beside the last keep_last. fid and frechet distances are better lower, clip_score higher;
/// ties keep the earlier checkpoint.
/// </summary>
public sealed class BestCheckpoint
{
    /// <summary>The pin label of the best checkpoint.</summary>
    public const string Label = "best";

    private readonly CheckpointStore _store;
    private readonly Action<string> _note;
    private bool _missingNoted;

    /// <param name="keepBestBy">fid, frechet (the Frechet distance of any extractor, FID included) or clip_score.</param>
    /// <param name="store">The checkpoint store that pins.</param>
    /// <param name="note">Where a metric missing from the evaluations is said (once).</param>
    public BestCheckpoint(string keepBestBy, CheckpointStore store, Action<string> note)
    {
        if (keepBestBy is not ("fid" or "frechet" or ClipScorer.MetricName))
        {
            throw new ArgumentException(
                $"checkpoint.keep_best_by is '{keepBestBy}'; expected fid, frechet or clip_score.", nameof(keepBestBy));
        }
        KeepBestBy = keepBestBy;
        _store = store;
        _note = note;
    }

    public string KeepBestBy { get; }

    /// <summary>The step and value of the best checkpoint seen, if any.</summary>
    public (long Step, double Value)? Best { get; private set; }

    /// <summary>Pins the evaluated checkpoint as best when its metric beats the best so far; true when it did.</summary>
    public bool Offer(EvaluationCompleted evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        string metric = KeepBestBy == "frechet" ? evaluation.FrechetMetric : KeepBestBy;
        if (!evaluation.Metrics.TryGetValue(metric, out double value) || !double.IsFinite(value))
        {
            if (!_missingNoted)
            {
                _missingNoted = true;
                _note($"checkpoint.keep_best_by is {KeepBestBy}, but the evaluation of step {evaluation.Step} reports no finite {metric} " +
                      $"(it reports {string.Join(", ", evaluation.Metrics.Keys)}); no best checkpoint is pinned until one does.");
            }
            return false;
        }
        bool higherIsBetter = KeepBestBy == ClipScorer.MetricName;
        if (Best is { } best && (higherIsBetter ? value <= best.Value : value >= best.Value))
        {
            return false;
        }
        string folder = CheckpointStore.FolderName(evaluation.Step);
        try
        {
            _store.Pin(Label, folder);
        }
        catch (CheckpointNotFoundException)
        {
            _note($"the best checkpoint by {metric} (step {evaluation.Step}) is gone from {_store.Directory}: retention removed it " +
                  "before its evaluation ended; raise checkpoint.keep_last to keep it.");
            return false;
        }
        Best = (evaluation.Step, value);
        _note(string.Create(CultureInfo.InvariantCulture, $"best checkpoint by {metric}: step {evaluation.Step} ({value:0.####})"));
        return true;
    }
}
