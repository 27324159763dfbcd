using Orchestrator.Core.Checkpoints;

namespace Orchestrator.Coordinator.Serving;

/// <summary>One checkpoint as the service lists it: what a client needs to choose and fetch it.</summary>
internal sealed record ServedCheckpoint(
    string Name,
    long Step,
    bool IsLatest,
    IReadOnlyList<string> Pins,
    DateTimeOffset CreatedUtc,
    IReadOnlyList<ServedFile> Files,
    IReadOnlyDictionary<string, double> Metrics)
{
    public static ServedCheckpoint From(CheckpointInfo info, CheckpointManifest manifest) => new(
        info.Name,
        info.Step,
        info.IsLatest,
        info.Pins,
        manifest.CreatedUtc,
        manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new ServedFile(f.Key, f.Value.Bytes, f.Value.Sha256)).ToArray(),
        manifest.Metrics);
}

/// <summary>A data file of a served checkpoint, with its size and sha256 from the manifest.</summary>
internal sealed record ServedFile(string Name, long Bytes, string Sha256);
