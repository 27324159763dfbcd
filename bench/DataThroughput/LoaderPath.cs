using System.Diagnostics;
using System.Runtime.InteropServices;
using Orchestrator.DataLoader.Decoding;
using SkiaSharp;
using static TorchSharp.torch;

namespace Orchestrator.Bench.DataThroughput;

/// <summary>
/// The loader's per-image work, as BatchSource does it for one row: decode (scaled on decode when the
/// source's shorter side is at least twice the target), resize the shorter side to S and crop the centre
/// S x S with c/127.5 - 1 per channel (ImageTransform.ToChw) written into a float tensor [3, S, S].
/// The tensor stage is the allocation of that tensor (libtorch's empty).
/// Keeps the time spent in each of the three stages.
/// </summary>
internal sealed class LoaderPath(int size)
{
    private long _decodeTicks;
    private long _transformTicks;
    private long _tensorTicks;

    public TimeSpan Decode => Stopwatch.GetElapsedTime(0, _decodeTicks);

    public TimeSpan Transform => Stopwatch.GetElapsedTime(0, _transformTicks);

    public TimeSpan TensorCopy => Stopwatch.GetElapsedTime(0, _tensorTicks);

    public void ResetStages() => _decodeTicks = _transformTicks = _tensorTicks = 0;

    /// <summary>Runs the path on one file's bytes; the tensor is made and freed, as the anchor drops its own.</summary>
    public void Run(string name, byte[] encoded)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        if (!ImageDecoder.TryDecode(encoded, size, out SKBitmap? bitmap, out RowSkipReason reason))
            throw new InvalidDataException($"{name}: the loader skips this image ({reason}); expected a decodable JPEG.");
        long decoded = Stopwatch.GetTimestamp();
        // [3, S, S], CHW like torchvision's ToTensor, allocated by libtorch; the values are written straight
        // into its memory (native, so nothing moves), while the tensor is alive, as a batch's tensor would be.
        using Tensor image = empty([3, size, size], ScalarType.Float32);
        long allocated = Stopwatch.GetTimestamp();
        using (bitmap)
            ImageTransform.ToChw(bitmap, size, MemoryMarshal.Cast<byte, float>(image.bytes));
        long end = Stopwatch.GetTimestamp();
        _decodeTicks += decoded - start;
        _tensorTicks += allocated - decoded;
        _transformTicks += end - allocated;
    }
}
