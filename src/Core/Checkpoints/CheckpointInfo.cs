namespace Orchestrator.Core.Checkpoints;

/// <summary>A checkpoint folder of a store, as listed (its files are not verified by listing).</summary>
/// <param name="Name">Folder name, step-NNNNNNNN.</param>
/// <param name="Path">Full path of the folder.</param>
/// <param name="Step">Step parsed from the folder name.</param>
/// <param name="IsLatest">Whether the latest pointer names it.</param>
/// <param name="Pins">Labels that pin it against retention, such as best.</param>
/// <param name="Manifest">Its manifest, or null when that cannot be read.</param>
public sealed record CheckpointInfo(
    string Name, string Path, long Step, bool IsLatest, IReadOnlyList<string> Pins, CheckpointManifest? Manifest);
