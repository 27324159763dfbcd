using static TorchSharp.torch;

namespace Orchestrator.DataLoader.Video;

/// <summary>One clip as a (3, Frames, Size, Size) float array in [-1, 1], channel-major like the model's (B, C, F, H, W) input.</summary>
public sealed class VideoClip
{
    public VideoClip(int frames, int size, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != 3 * frames * size * size)
        {
            throw new ArgumentException($"expected {3 * frames * size * size} values for (3, {frames}, {size}, {size}), got {data.Length}", nameof(data));
        }

        Frames = frames;
        Size = size;
        Data = data;
    }

    public int Frames { get; }

    public int Size { get; }

    /// <summary>Values in (channel, frame, y, x) order.</summary>
    public float[] Data { get; }

    /// <summary>The clip as a float32 tensor of shape (3, F, S, S).</summary>
    public Tensor ToTensor() => tensor(Data, [3, Frames, Size, Size], ScalarType.Float32);

    /// <summary>Writes one RGB frame (rgb24, row-major, Size x Size) at <paramref name="frame"/>, mapping 0..255 to -1..1.</summary>
    internal void SetFrame(int frame, ReadOnlySpan<byte> rgb)
    {
        int plane = Size * Size;
        int channelStride = Frames * plane;
        Span<float> red = Data.AsSpan(frame * plane, plane);
        Span<float> green = Data.AsSpan(channelStride + (frame * plane), plane);
        Span<float> blue = Data.AsSpan((2 * channelStride) + (frame * plane), plane);
        for (int p = 0; p < plane; p++)
        {
            red[p] = (rgb[3 * p] / 127.5f) - 1f;
            green[p] = (rgb[(3 * p) + 1] / 127.5f) - 1f;
            blue[p] = (rgb[(3 * p) + 2] / 127.5f) - 1f;
        }
    }

    /// <summary>Copies frame <paramref name="from"/> onto frame <paramref name="to"/> in every channel.</summary>
    internal void CopyFrame(int from, int to)
    {
        int plane = Size * Size;
        for (int c = 0; c < 3; c++)
        {
            int channel = c * Frames * plane;
            Data.AsSpan(channel + (from * plane), plane).CopyTo(Data.AsSpan(channel + (to * plane), plane));
        }
    }
}
