using Orchestrator.Core.Safetensors;

namespace Orchestrator.Core.Checkpoints;

/// <summary>What a checkpoint saves: where the run stands and its named safetensors files.</summary>
public sealed class CheckpointContent
{
    public required long Step { get; init; }

    public long Epoch { get; init; }

    public long SamplesSeen { get; init; }

    public int WorldSize { get; init; }

    public long Seed { get; init; }

    public string RunName { get; init; } = "";

    /// <summary>The run spec's YAML text, stored verbatim in the manifest.</summary>
    public string RunSpec { get; init; } = "";

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Files by name, such as model.safetensors, ema.safetensors, optimizer.safetensors.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> Files { get; init; }
}
