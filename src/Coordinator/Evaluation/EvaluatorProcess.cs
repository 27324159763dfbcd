using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Run;
using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Evaluation;

namespace Orchestrator.Coordinator.Evaluation;

/// <summary>
/// The evaluator role of a process (`orchestrator evaluator`): the evaluation of the spec (held-out images,
/// feature extractor, CLIP model) and where checkpoints come from: the coordinator's checkpoint service when
/// checkpoint.serve is set, else checkpoint.dir, shared with the trainers.
/// </summary>
public sealed class EvaluatorProcess : IDisposable
{
    private readonly CheckpointEvaluation _evaluation;
    private readonly HttpClient? _http;

    private EvaluatorProcess(CheckpointEvaluation evaluation, HttpClient? http, RunHost.EvaluatorPart part)
    {
        _evaluation = evaluation;
        _http = http;
        Part = part;
    }

    public RunHost.EvaluatorPart Part { get; }

    /// <summary>The folder downloaded checkpoints go to while they are evaluated.</summary>
    public static string CacheDirectory(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Path.Combine(spec.Run.OutputDir, "evaluator-cache");
    }

    /// <param name="spec">The run spec.</param>
    /// <param name="checkpointsUrl">The checkpoint service's address; null: the coordinator's host at checkpoint.serve.port.</param>
    /// <param name="events">Registration, results and the end of the run, for the process.</param>
    /// <param name="cancellationToken">Stops loading the held-out images.</param>
    public static async Task<EvaluatorProcess> CreateAsync(
        RunSpec spec, Uri? checkpointsUrl, EvaluatorNodeEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        HttpClient? http = null;
        ICheckpointSource source;
        if (spec.Checkpoint.Serve is { } serve)
        {
            string token = ServiceToken.Read(serve);
            http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            source = new ServedCheckpoints(http, token, checkpointsUrl, serve.Port, CacheDirectory(spec));
        }
        else
        {
            source = new SharedCheckpointFolder(spec.CheckpointDirectory());
        }
        var heldOut = await HeldOutSet.LoadAsync(spec, cancellationToken);
        var bar = ProgressBar.ForConsole("eval", spec.Telemetry.Progress);
        var evaluation = new CheckpointEvaluation(spec, heldOut, spec.SamplesDirectory(), (done, total) => bar.Report(done, total, "sampler steps"));
        return new EvaluatorProcess(evaluation, http, new RunHost.EvaluatorPart(evaluation, source, events));
    }

    public void Dispose()
    {
        _evaluation.Dispose();
        _http?.Dispose();
    }
}
