using static TorchSharp.torch;

namespace Orchestrator.DataLoader.Batching;

/// <summary>
/// The samples of a worker's part of one global step, as CPU tensors, one per position asked for
/// (a position whose planned row could not be used holds its replacement row).
/// </summary>
public sealed class TrainingBatch : IDisposable
{
    internal TrainingBatch(
        long step, long epoch, Tensor images, Tensor tokens, long[] sampleIndices, string[] keys, string[] captions)
    {
        Step = step;
        Epoch = epoch;
        Images = images;
        Tokens = tokens;
        SampleIndices = sampleIndices;
        Keys = keys;
        Captions = captions;
    }

    public long Step { get; }
    public long Epoch { get; }

    /// <summary>float32 (n, 3, F, S, S) in [-1, 1]: channels, then frames (1 in an image run; data.clip.frames in a video run), then rows and columns.</summary>
    public Tensor Images { get; }

    /// <summary>int64 (n, L): caption token ids, see <see cref="Text.CaptionTokenizer"/>.</summary>
    public Tensor Tokens { get; }

    /// <summary>Sample index of each kept sample in the run, step*B + position: the key of its random draws (SampleSeed).</summary>
    public long[] SampleIndices { get; }

    /// <summary>
    /// True for a sample from an image row; in a video run its one frame is repeated F times and the model masks its
    /// temporal layers (joint image-video training).
    /// </summary>
    public bool[] IsImage { get; init; } = [];

    public string[] Keys { get; }
    public string[] Captions { get; }
    public int Count => SampleIndices.Length;

    public void Dispose()
    {
        Images.Dispose();
        Tokens.Dispose();
    }
}
