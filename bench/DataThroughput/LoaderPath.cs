using System.Diagnostics;
using Orchestrator.DataLoader.Decoding;
using SkiaSharp;
using static TorchSharp.torch;

namespace Orchestrator.Bench.DataThroughput;

/// <summary>
/// The loader's per-image work, as BatchSource does it for one row: decode the centre square (scaled on decode by the smallest
/// k/8 that still covers the target), resize the shorter side to S and crop the centre S x S with c/127.5 - 1
/// per channel (ImageTransform.ToChw, writing into a fresh array as BatchSource writes into its batch's),
/// then a float tensor [3, S, S] over that array (torch.frombuffer, as BatchSource makes the batch's tensor). Keeps the time spent in each of the three stages.
/// </summary>
internal sealed class LoaderPath(int size)
{
    private long _decodeTicks;
    private long _transformTicks;
    private long _tensorTicks;

    public TimeSpan Decode => Stopwatch.GetElapsedTime(0, _decodeTicks);

    public TimeSpan Transform => Stopwatch.GetElapsedTime(0, _transformTicks);

    public TimeSpan TensorMaking => Stopwatch.GetElapsedTime(0, _tensorTicks);

    public void ResetStages() => _decodeTicks = _transformTicks = _tensorTicks = 0;

    /// <summary>Runs the path on one file's bytes; the tensor is made and freed, as the anchor drops its own.</summary>
    public void Run(string name, byte[] encoded)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        if (!ImageDecoder.TryDecodeCentre(encoded, size, out SKBitmap? bitmap, out RowSkipReason reason))
            throw new InvalidDataException($"{name}: the loader skips this image ({reason}); expected a decodable JPEG.");
        long decoded = Stopwatch.GetTimestamp();
        var chw = new float[3 * size * size];
        using (bitmap)
            ImageTransform.ToChw(bitmap, size, chw);
        long transformed = Stopwatch.GetTimestamp();
        // [3, S, S], CHW like torchvision's ToTensor, sharing the array's memory as the loader's batch tensor does.
        using Tensor flat = frombuffer(chw, ScalarType.Float32);
        using Tensor image = flat.view(3, size, size);
        long end = Stopwatch.GetTimestamp();
        _decodeTicks += decoded - start;
        _transformTicks += transformed - decoded;
        _tensorTicks += end - transformed;
    }
}
