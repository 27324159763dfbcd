using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>
/// Resamples a square window of RGBA bytes to S x S float planes with a separable triangle (tent) filter
/// whose support widens with the downscale factor: bilinear interpolation when enlarging, an area-weighted
/// (antialiased) average when shrinking, the filter torchvision's Resize gets from PIL's BILINEAR
/// (Wolberg, "Digital Image Warping", 1990, sections 5.2 and 6.2). Managed code on the bitmap's pixel span:
/// nothing native is created, so nothing can be used after it is freed.
/// </summary>
/// <remarks>
/// The loops are compiled fully optimised from the first call (AggressiveOptimization): under tiered
/// compilation they ran unoptimised for the first thousand or so images, at about twice the cost.
/// </remarks>
internal static class TriangleResize
{
    /// <summary>
    /// The side x side window at (left, top) of premultiplied RGBA rows to planes R, G, B of
    /// <paramref name="chw"/> (size x size each), composited over white, rounded to whole levels and
    /// mapped to (c - 127.5) / 127.5.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToPlanes(ReadOnlySpan<byte> pixels, int rowBytes, int left, int top, int side, int size, Span<float> chw)
    {
        // A square window to a square: rows and columns share one set of taps.
        Taps taps = Taps.For(side, size);
        int rowFloats = side * 4;
        float[] between = ArrayPool<float>.Shared.Rent(size * rowFloats);
        try
        {
            // Vertical pass first: only `size` rows are kept, each side x 4 floats (RGBA interleaved).
            for (int y = 0; y < size; y++)
            {
                Span<float> target = between.AsSpan(y * rowFloats, rowFloats);
                target.Clear();
                for (int k = 0; k < taps.Count[y]; k++)
                {
                    int sourceRow = top + taps.Start[y] + k;
                    AddScaled(pixels.Slice((sourceRow * rowBytes) + (left * 4), rowFloats), taps.Weights[(y * taps.MaxTaps) + k], target);
                }
            }

            Horizontal(between, rowFloats, taps, size, chw);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(between);
        }
    }

    // target += weight * bytes, sixteen bytes at a time (bytes widened to float).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaled(ReadOnlySpan<byte> bytes, float weight, Span<float> target)
    {
        var w = Vector256.Create(weight);
        int i = 0;
        for (; i <= bytes.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
        {
            (Vector128<ushort> lower, Vector128<ushort> upper) = Vector128.Widen(Vector128.Create(bytes.Slice(i, Vector128<byte>.Count)));
            Vector256<float> a = Vector256.ConvertToSingle(Vector256.WidenLower(lower.ToVector256Unsafe()).AsInt32());
            Vector256<float> b = Vector256.ConvertToSingle(Vector256.WidenLower(upper.ToVector256Unsafe()).AsInt32());
            (Vector256.Create<float>(target.Slice(i, 8)) + (a * w)).CopyTo(target.Slice(i, 8));
            (Vector256.Create<float>(target.Slice(i + 8, 8)) + (b * w)).CopyTo(target.Slice(i + 8, 8));
        }

        for (; i < bytes.Length; i++)
        {
            target[i] += bytes[i] * weight;
        }
    }

    // Each output pixel: the weighted sum of its taps' RGBA (one 4-float vector per tap), then over white
    // (premultiplied: c + 255 - a, Porter and Duff, 1984), rounded to a level in [0, 255] as PIL's 8-bit
    // result would be, and normalised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Horizontal(float[] between, int rowFloats, Taps columns, int size, Span<float> chw)
    {
        int plane = size * size;
        Span<float> red = chw[..plane];
        Span<float> green = chw.Slice(plane, plane);
        Span<float> blue = chw.Slice(2 * plane, plane);
        var full = Vector128.Create(255f);
        var half = Vector128.Create(127.5f);
        for (int y = 0; y < size; y++)
        {
            ReadOnlySpan<float> row = between.AsSpan(y * rowFloats, rowFloats);
            for (int x = 0; x < size; x++)
            {
                Vector128<float> sum = Vector128<float>.Zero;
                int start = columns.Start[x] * 4;
                int at = x * columns.MaxTaps;
                for (int k = 0; k < columns.Count[x]; k++)
                {
                    sum += Vector128.Create<float>(row.Slice(start + (k * 4), 4)) * columns.Weights[at + k];
                }

                Vector128<float> white = full - Vector128.Create(sum.GetElement(3));
                Vector128<float> level = Vector128.Clamp(Vector128.Round(sum + white), Vector128<float>.Zero, full);
                Vector128<float> value = (level - half) / half;
                int o = (y * size) + x;
                red[o] = value.GetElement(0);
                green[o] = value.GetElement(1);
                blue[o] = value.GetElement(2);
            }
        }
    }

    /// <summary>For each output index: the first input index, the number of taps and their weights (summing to 1).</summary>
    private sealed class Taps
    {
        private Taps(int[] start, int[] count, float[] weights, int maxTaps)
        {
            Start = start;
            Count = count;
            Weights = weights;
            MaxTaps = maxTaps;
        }

        public int[] Start { get; }

        public int[] Count { get; }

        public float[] Weights { get; }

        public int MaxTaps { get; }

        // Output i covers input [i * scale, (i + 1) * scale); its centre is (i + 0.5) * scale. The tent
        // has half-width max(1, scale) input pixels, so a shrink averages every input pixel it covers.
        public static Taps For(int inLength, int outLength)
        {
            double scale = (double)inLength / outLength;
            double support = Math.Max(1.0, scale);
            int maxTaps = (2 * (int)Math.Ceiling(support)) + 1;
            var start = new int[outLength];
            var count = new int[outLength];
            var weights = new float[outLength * maxTaps];
            var raw = new double[maxTaps];
            for (int i = 0; i < outLength; i++)
            {
                double centre = (i + 0.5) * scale;
                int first = Math.Max(0, (int)Math.Floor(centre - support + 0.5));
                int last = Math.Min(inLength, (int)Math.Floor(centre + support + 0.5));
                double total = 0;
                int n = 0;
                for (int j = first; j < last && n < maxTaps; j++, n++)
                {
                    raw[n] = Math.Max(0.0, 1.0 - (Math.Abs(j + 0.5 - centre) / support));
                    total += raw[n];
                }

                start[i] = first;
                count[i] = n;
                for (int k = 0; k < n; k++)
                {
                    weights[(i * maxTaps) + k] = (float)(raw[k] / total);
                }
            }

            return new Taps(start, count, weights, maxTaps);
        }
    }
}
