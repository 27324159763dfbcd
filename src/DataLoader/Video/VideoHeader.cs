namespace Orchestrator.DataLoader.Video;

/// <summary>What a container's header says about its first video stream, read before any frame is decoded.</summary>
/// <param name="Width">Coded width in pixels.</param>
/// <param name="Height">Coded height in pixels.</param>
/// <param name="FrameCount">Frames in the stream (from the sample table, or estimated from duration x fps when the container has none).</param>
/// <param name="FramesPerSecond">Mean frame rate; 0 when unknown.</param>
/// <param name="Codec">The codec's four-character code or FFmpeg name, for messages.</param>
/// <param name="ConstantFrameRate">True when every frame lasts the same time, so frame i starts at i / fps and a seek by time is exact.</param>
public sealed record VideoHeader(int Width, int Height, long FrameCount, double FramesPerSecond, string Codec, bool ConstantFrameRate);
