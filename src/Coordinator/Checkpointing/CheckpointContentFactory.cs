using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Safetensors;

namespace Orchestrator.Coordinator.Checkpointing;

/// <summary>
/// Fills a checkpoint's manifest fields (DESIGN.md, "Checkpoints") around captured tensors. The manifest keeps the
/// spec's text with literal secrets redacted (<see cref="RunSpecRedaction"/>): checkpoints are served to evaluators.
/// </summary>
public sealed class CheckpointContentFactory(RunSpec spec, string specText, long stepsPerEpoch)
{
    private readonly string _storedSpec = RunSpecRedaction.Redact(specText);

    public CheckpointContent Content(
        long completedSteps,
        int worldSize,
        IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> files,
        IReadOnlyDictionary<string, double> metrics) => new()
    {
        RunName = spec.Run.Name,
        Step = completedSteps,
        Epoch = completedSteps / stepsPerEpoch,
        SamplesSeen = completedSteps * spec.Train.GlobalBatch,
        WorldSize = worldSize,
        Seed = spec.Run.Seed,
        RunSpec = _storedSpec,
        Metrics = metrics,
        Files = files,
    };
}
