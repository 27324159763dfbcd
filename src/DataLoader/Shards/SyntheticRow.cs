namespace Orchestrator.DataLoader.Shards;

/// <summary>One generated caption-image pair: its key (e.g. "000000123"), caption and JPEG bytes.</summary>
public sealed record SyntheticRow(string Key, string Caption, byte[] Jpeg, int Width, int Height);
