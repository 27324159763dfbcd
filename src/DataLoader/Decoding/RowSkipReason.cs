namespace Orchestrator.DataLoader.Decoding;

/// <summary>Why a shard row was left out of a batch (counted per reason, DESIGN.md "Data").</summary>
public enum RowSkipReason
{
    /// <summary>The image cell is null or empty (img2dataset keeps failed downloads that way).</summary>
    MissingImage,

    /// <summary>The bytes are not an image SkiaSharp can decode (garbage, unknown format, 12-bit JPEG).</summary>
    Undecodable,

    /// <summary>The image starts well but its data end early (a cut download).</summary>
    TruncatedImage,

    /// <summary>The caption is null, empty or only whitespace.</summary>
    EmptyCaption,

    /// <summary>The image's shorter side is below <see cref="ImageDecoder.MinimumSide"/> pixels.</summary>
    ImageTooSmall,

    /// <summary>The row group holding the row could not be read (damaged shard); logged with file, row group and cause.</summary>
    UnreadableRowGroup,

    /// <summary>The image header gives more pixels than the limit (<see cref="ImageDecoder.DefaultMaxPixels"/> unless set): refused before decoding.</summary>
    ImageTooLarge,

    /// <summary>The caption is longer than <see cref="RowDecoder.MaxCaptionChars"/> characters (a scraped page, not a caption).</summary>
    CaptionTooLong,

    /// <summary>The caption's bytes were not valid UTF-8 (Parquet's reader turned them into U+FFFD replacement characters).</summary>
    InvalidCaption,
}
