namespace Orchestrator.DataLoader.Video;

/// <summary>A video row that cannot become a clip: the reason it is skipped and what was found.</summary>
public sealed class VideoRowException(VideoSkipReason reason, string detail)
    : Exception($"{reason}: {detail}")
{
    public VideoSkipReason Reason { get; } = reason;

    public string Detail { get; } = detail;
}
