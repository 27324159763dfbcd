using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Safetensors;

namespace Orchestrator.Coordinator.Checkpointing;

/// <summary>Fills a checkpoint's manifest fields (DESIGN.md, "Checkpoints") around captured tensors.</summary>
public sealed class CheckpointContentFactory(RunSpec spec, string specText, long stepsPerEpoch)
{
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
        RunSpec = specText,
        Metrics = metrics,
        Files = files,
    };
}
