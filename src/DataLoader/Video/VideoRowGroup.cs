namespace Orchestrator.DataLoader.Video;

/// <summary>The cells of one row group of a video shard, in row order; one of <see cref="Videos"/> and <see cref="Frames"/> is set, by layout.</summary>
public sealed record VideoRowGroup(
    string Shard, int RowGroup, long FirstRow, string[] Keys, string?[] Captions, byte[]?[]? Videos, IReadOnlyList<byte[]?>?[]? Frames)
{
    public int Count => Keys.Length;
}
