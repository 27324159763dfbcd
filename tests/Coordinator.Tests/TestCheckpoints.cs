using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Safetensors;

namespace Orchestrator.Coordinator.Tests;

/// <summary>Small checkpoint contents for tests: one two-element tensor per file.</summary>
internal static class TestCheckpoints
{
    public static IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> Files(float value = 1f) =>
        new Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>>
        {
            ["model.safetensors"] = [new("weight", SafeTensor.FromFloats([value, value + 1], 2))],
        };

    public static CheckpointContent Content(long step, float value = 1f) => new()
    {
        Step = step,
        WorldSize = 2,
        SamplesSeen = step * 8,
        RunName = "tests",
        RunSpec = "run: { name: tests }\n",
        Files = Files(value),
    };
}
