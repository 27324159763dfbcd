using System.Diagnostics;
using System.Globalization;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;
using TorchSharp;

namespace Orchestrator.Bench.ShardStreaming;

/// <summary>
/// usage: Orchestrator.Bench.ShardStreaming DIR [--megabytes 2100] [--row-group-rows 32] [--comment-bytes 16384]
///        [--threads 2] [--size 256] [--batch 64] [--steps N]
/// Writes one img2dataset-layout shard of at least --megabytes from the *.jpg photographs in DIR (each row
/// unique, see GeneratedRows) into a fresh temporary folder, then streams it through BatchSource as training
/// does (block-wise plan with blocks of one row group, global batch --batch, --threads decode threads), and
/// prints peak resident memory (VmHWM, reset after writing) and images/s from Parquet. Deletes the shard.
/// </summary>
internal static class Program
{
    private static int Main(string[] args) => BenchArguments.Run(
        "Orchestrator.Bench.ShardStreaming",
        "DIR [--megabytes 2100] [--row-group-rows 32] [--comment-bytes 16384] [--threads 2] [--size 256] [--batch 64] [--steps N]",
        ["--megabytes", "--row-group-rows", "--comment-bytes", "--threads", "--size", "--batch", "--steps"],
        args,
        options => RunAsync(options).GetAwaiter().GetResult());

    private static async Task<int> RunAsync(BenchArguments options)
    {
        long megabytes = options.Get("--megabytes", 2100);
        int rowGroupRows = options.Get("--row-group-rows", 32);
        int commentBytes = Math.Min(options.Get("--comment-bytes", 16384), 65533);
        int threads = options.Get("--threads", 2);
        int size = options.Get("--size", 256);
        int batch = options.Get("--batch", 64);
        torch.set_num_threads(1);

        var photographs = Directory.GetFiles(options.Folder, "*.jpg").Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), File.ReadAllBytes(path))).ToList();
        if (photographs.Count == 0)
            throw new InvalidDataException($"{options.Folder}: no *.jpg files; expected the JPEGs make_jpegs.py wrote.");
        double meanRowBytes = photographs.Average(p => p.Item2.Length) + commentBytes + 4;
        int rows = (int)Math.Ceiling(megabytes * 1024 * 1024 / meanRowBytes);

        string folder = Path.Combine(Path.GetTempPath(), $"shard-streaming-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string shard = Path.Combine(folder, "stream-00000.parquet");
            var clock = Stopwatch.StartNew();
            await ShardWriter.WriteAsync(shard, new GeneratedRows(photographs, rows, commentBytes), rowGroupRows);
            long bytes = new FileInfo(shard).Length;
            Console.WriteLine($"shard-streaming: wrote {rows} rows in row groups of {rowGroupRows}, {Fixed(bytes / 1e9, 2)} GB, "
                + $"in {Fixed(clock.Elapsed.TotalSeconds, 1)} s; peak resident while writing {Mib(PeakResident())}");

            GC.Collect();
            GC.WaitForPendingFinalizers();
            File.WriteAllText("/proc/self/clear_refs", "5");
            Console.WriteLine($"shard-streaming: peak resident reset to {Mib(PeakResident())} before streaming");

            ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder }]);
            var plan = new SamplePlan(catalog.TotalRows, batch, seed: 1, blockSize: rowGroupRows);
            var skips = new SkipCounter();
            var source = new BatchSource(catalog, plan, size, new CaptionTokenizer(1024, 16), threads, skips);
            long steps = Math.Min(plan.StepsPerEpoch, options.Get("--steps", int.MaxValue));
            long images = 0;
            long highestResident = 0;
            clock.Restart();
            for (long step = 0; step < steps; step++)
            {
                using TrainingBatch trainingBatch = await source.ReadAsync(step, 0, batch);
                images += trainingBatch.Count;
                highestResident = Math.Max(highestResident, Resident());
                if ((step + 1) % Math.Max(1, steps / 5) == 0)
                    Console.WriteLine($"shard-streaming:   step {step + 1}/{steps}: {images} images, {Fixed(images / clock.Elapsed.TotalSeconds, 1)} images/s, resident {Mib(Resident())}, managed heap {Mib(GC.GetGCMemoryInfo().HeapSizeBytes)}, gen2 collections {GC.CollectionCount(2)}");
            }

            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"shard-streaming: skipped rows: {skips.Describe()}");
            Console.WriteLine($"shard-streaming: {images} images ({Fixed(images * (bytes / (double)rows) / 1e9, 2)} GB of the shard) "
                + $"at {size} px in {Fixed(seconds, 1)} s with {threads} decode threads: {Fixed(images / seconds, 1)} images/s; "
                + $"peak resident {Mib(PeakResident())} (highest sampled after a batch {Mib(highestResident)})");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // Kernel's accounting of this process (proc(5)): VmHWM is the peak resident set, VmRSS the current one.
    private static long PeakResident() => StatusKib("VmHWM:") * 1024;

    private static long Resident() => StatusKib("VmRSS:") * 1024;

    private static long StatusKib(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static string Mib(long bytes) => $"{Fixed(bytes / (1024.0 * 1024.0), 0)} MiB";

    private static string Fixed(double value, int decimals) =>
        value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
