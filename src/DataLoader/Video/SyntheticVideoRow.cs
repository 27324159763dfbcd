namespace Orchestrator.DataLoader.Video;

/// <summary>One generated caption-video pair: its key, caption, mp4 bytes, size, frame count and frame rate.</summary>
public sealed record SyntheticVideoRow(string Key, string Caption, byte[] Mp4, int Size, int Frames, int Fps);
