using System.Diagnostics;
using System.Globalization;
using SkiaSharp;
using TorchSharp;

namespace Orchestrator.Bench.DataThroughput;

/// <summary>
/// usage: Orchestrator.Bench.DataThroughput DIR [--size S] [--images N] [--warmup W]
/// Times the loader's per-image path on DIR's *.jpg, on the calling thread only, the way ../shared/bench/anchors/pil_decode.py times torchvision + PIL: files read into memory first (not
/// timed), W warm-up images (50), then N images (1000) cycling over the files in name order.
/// The last line is the result: "ours: N images in Ts: X images/s on one thread (F distinct JPEGs)".
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (Exception error) when (error is ArgumentException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"Orchestrator.Bench.DataThroughput: {error.Message}");
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: Orchestrator.Bench.DataThroughput DIR [--size S] [--images N] [--warmup W]");
            return 2;
        }
        string folder = args[0];
        int size = 256;
        int images = 1000;
        int warmUp = 50;
        for (int i = 1; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
                throw new ArgumentException($"Option {args[i]} needs a value.");
            if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
                throw new ArgumentException($"Option {args[i]} is '{args[i + 1]}'; expected a whole number, 1 or more.");
            switch (args[i])
            {
                case "--size": size = value; break;
                case "--images": images = value; break;
                case "--warmup": warmUp = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}; expected --size, --images or --warmup.");
            }
        }

        // The tensor copy is the only libtorch work here; pinned anyway, as the anchor pins its torch.
        torch.set_num_threads(1);
        var files = ReadJpegs(folder);
        const string label = "ours";
        Console.WriteLine($"{label}: the loader's path (ImageDecoder.TryDecode, ImageTransform.ToChw), {files.Count} JPEGs from {folder}, target {size}, libtorch {torch.get_num_threads()} thread(s)");
        foreach (var (name, bytes) in files)
        {
            var info = SKBitmap.DecodeBounds(bytes);
            Console.WriteLine($"{label}:   {name} {info.Width}x{info.Height} {bytes.Length / 1024} KiB{(Math.Min(info.Width, info.Height) >= 2 * size ? " (scaled on decode)" : "")}");
        }

        var path = new LoaderPath(size);
        for (int i = 0; i < warmUp; i++)
            path.Run(files[i % files.Count].Name, files[i % files.Count].Bytes);
        Console.WriteLine($"{label}: {warmUp} warm-up images done; timing {images}");
        path.ResetStages();

        var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int progressEvery = Math.Max(1, images / 4);
        for (int i = 0; i < images; i++)
        {
            path.Run(files[i % files.Count].Name, files[i % files.Count].Bytes);
            if ((i + 1) % progressEvery == 0 && i + 1 < images)
                Console.WriteLine($"{label}:   {i + 1}/{images} images, {Fixed(clock.Elapsed.TotalSeconds, 2)} s");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;

        double total = path.Decode.TotalSeconds + path.Transform.TotalSeconds + path.TensorCopy.TotalSeconds;
        Console.WriteLine($"{label}: per image {Fixed(1000 * seconds / images, 3)} ms: decode {Share(path.Decode, total)}, "
            + $"resize + crop + to float CHW {Share(path.Transform, total)}, tensor allocation {Share(path.TensorCopy, total)}");
        Console.WriteLine($"{label}: process CPU time during the timed loop {Fixed(100 * cpu / seconds, 0)}% of wall time (100% = one core busy)");
        Console.WriteLine($"{label}: {images} images in {Fixed(seconds, 3)}s: {Fixed(images / seconds, 1)} images/s on one thread ({files.Count} distinct JPEGs)");
        return 0;
    }

    private static List<(string Name, byte[] Bytes)> ReadJpegs(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: no such folder; expected the JPEGs make_jpegs.py wrote.");
        var names = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
            throw new InvalidDataException($"{folder}: no *.jpg files; expected the JPEGs make_jpegs.py wrote.");
        return names.ConvertAll(name => (Path.GetFileName(name), File.ReadAllBytes(name)));
    }

    private static string Share(TimeSpan stage, double total) =>
        $"{Fixed(stage.TotalSeconds, 3)} s ({Fixed(100 * stage.TotalSeconds / total, 0)}%)";

    private static string Fixed(double value, int decimals) =>
        value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
