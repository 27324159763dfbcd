namespace Orchestrator.Core.Checkpoints;

/// <summary>A checkpoint file that is missing or does not match its manifest.</summary>
public sealed class CheckpointCorruptException : Exception
{
    public CheckpointCorruptException(
        string filePath, string reason, string? expectedSha256 = null, string? actualSha256 = null, Exception? inner = null)
        : base($"{filePath}: {reason}", inner)
    {
        FilePath = filePath;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    public string FilePath { get; }

    /// <summary>The manifest's sha256 of the file, when the manifest was read.</summary>
    public string? ExpectedSha256 { get; }

    /// <summary>The file's sha256 as found, when the file was there to hash.</summary>
    public string? ActualSha256 { get; }
}
