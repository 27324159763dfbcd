namespace Orchestrator.DataLoader.Shards;

/// <summary>An image to import: its full path, its name relative to the image folder (/ between folders), and its caption.</summary>
public sealed record ImportItem(string ImagePath, string Name, string Caption);
