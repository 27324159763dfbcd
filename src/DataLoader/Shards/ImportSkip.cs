namespace Orchestrator.DataLoader.Shards;

/// <summary>A file left out of an import: its path (relative to the image folder), why, and any detail.</summary>
public sealed record ImportSkip(string File, ImportSkipReason Reason, string? Detail = null)
{
    public override string ToString() => Detail is null ? $"{File} {Reason}" : $"{File} {Reason} ({Detail})";
}
