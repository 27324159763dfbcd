namespace Orchestrator.DataLoader.Shards;

/// <summary>Why a file of an image folder did not become a shard row.</summary>
public enum ImportSkipReason
{
    /// <summary>The image has no caption: no sidecar .txt, none in the table, or an empty one.</summary>
    NoCaption,

    /// <summary>The caption table names an image that is not in the folder.</summary>
    MissingImage,

    /// <summary>The image (or its sidecar caption) could not be read from disk.</summary>
    Unreadable,

    /// <summary>The file's bytes are not an image SkiaSharp can open.</summary>
    NotAnImage,
}
