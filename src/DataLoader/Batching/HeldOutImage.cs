namespace Orchestrator.DataLoader.Batching;

/// <summary>A real held-out image for evaluation: its caption and pixels as float CHW (3, S, S) in [-1, 1], or a clip (3, F, S, S) in a video run.</summary>
public sealed record HeldOutImage(string Key, string Caption, float[] Chw);
