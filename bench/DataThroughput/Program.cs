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
    private static int Main(string[] args) =>
        BenchArguments.Run("Orchestrator.Bench.DataThroughput", "DIR [--size S] [--images N] [--warmup W]", ["--size", "--images", "--warmup"], args, Run);

    private static int Run(BenchArguments arguments)
    {
        string folder = arguments.Folder;
        int size = arguments.Get("--size", 256);
        int images = arguments.Get("--images", 1000);
        int warmUp = arguments.Get("--warmup", 50);

        // Making the tensor is the only libtorch work here; pinned anyway, as the anchor pins its torch.
        torch.set_num_threads(1);
        var files = ReadJpegs(folder);
        const string label = "ours";
        Console.WriteLine($"{label}: the loader's path (ImageDecoder.TryDecodeCentre, ImageTransform.ToChw), {files.Count} JPEGs from {folder}, target {size}, libtorch {torch.get_num_threads()} thread(s)");
        foreach (var (name, bytes) in files)
        {
            var info = SKBitmap.DecodeBounds(bytes);
            Console.WriteLine($"{label}:   {name} {info.Width}x{info.Height} {bytes.Length / 1024} KiB{(Math.Min(info.Width, info.Height) > size ? " (scaled on decode where a k/8 covers " + size + ")" : "")}");
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

        double total = path.Decode.TotalSeconds + path.Transform.TotalSeconds + path.TensorMaking.TotalSeconds;
        Console.WriteLine($"{label}: per image {Fixed(1000 * seconds / images, 3)} ms: decode {Share(path.Decode, total)}, "
            + $"resize + crop + to float CHW {Share(path.Transform, total)}, tensor over the array {Share(path.TensorMaking, total)}");
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
