using System.Diagnostics;
using Orchestrator.DataLoader.Decoding;
using SkiaSharp;
using static TorchSharp.torch;

namespace Orchestrator.Bench.DataThroughput;

/// <summary>
/// The loader's per-image work, as BatchSource does it for one row: decode (scaled on decode when the
/// source's shorter side is at least twice the target), resize the shorter side to S and crop the centre
/// S x S with c/127.5 - 1 per channel (ImageTransform.ToChw), then a float tensor [3, S, S].
/// Keeps the time spent in each of the three stages.
/// </summary>
internal sealed class LoaderPath(int size) : IImagePath
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
        float[] chw;
        using (bitmap)
            chw = ImageTransform.ToChw(bitmap, size);
        long transformed = Stopwatch.GetTimestamp();
        // [3, S, S], CHW like torchvision's ToTensor; the copy into libtorch's memory is part of the work.
        using Tensor image = tensor(chw, [3, size, size], ScalarType.Float32);
        long end = Stopwatch.GetTimestamp();
        _decodeTicks += decoded - start;
        _transformTicks += transformed - decoded;
        _tensorTicks += end - transformed;
    }
}
