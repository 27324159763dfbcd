using System.Diagnostics;
using System.Globalization;
using Orchestrator.Evaluator.Metrics;
using TorchSharp;

namespace Orchestrator.Bench.Frechet;

/// <summary>
/// usage: Orchestrator.Bench.Frechet DIR [--dim D] [--threads N] [--runs R]
/// Times FrechetDistance.Evaluate on DIR's mu1/sigma1/mu2/sigma2.f64: one warm-up, then the best of R runs (3).
/// The last line is the result, in the anchor's shape: "ours frechet: d=D threads=N time=Ts frechet=V".
/// </summary>
internal static class Program
{
    private static int Main(string[] args) =>
        BenchArguments.Run("Orchestrator.Bench.Frechet", "DIR [--dim D] [--threads N] [--runs R]", ["--dim", "--threads", "--runs"], args, Run);

    private static int Run(BenchArguments arguments)
    {
        string folder = arguments.Folder;
        int? dimension = arguments.Find("--dim");
        int threads = arguments.Get("--threads", 1);
        int runs = arguments.Get("--runs", 3);

        // libtorch's intra-op pool does the eigendecompositions and matmuls; the anchor's side is pinned the same way.
        torch.set_num_threads(threads);
        Console.WriteLine($"ours: reading statistics from {folder}");
        var a = RawStatistics.Read(folder, 1, dimension);
        var b = RawStatistics.Read(folder, 2, dimension);
        Console.WriteLine($"ours: d={a.Dimension}, {torch.get_num_threads()} intra-op thread(s); warm-up run");

        var result = Time(a, b, out double warmUp);
        Console.WriteLine($"ours: warm-up {Seconds(warmUp)}s");
        double best = double.PositiveInfinity;
        for (int run = 1; run <= runs; run++)
        {
            result = Time(a, b, out double seconds);
            best = Math.Min(best, seconds);
            Console.WriteLine($"ours: run {run}/{runs} {Seconds(seconds)}s");
        }
        if (result.Note is not null)
            Console.WriteLine($"ours: {result.Note}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ours frechet: d={a.Dimension} threads={threads} time={best:F3}s frechet={result.Distance:F9}"));
        return 0;
    }

    private static FrechetResult Time(FeatureStatistics a, FeatureStatistics b, out double seconds)
    {
        var clock = Stopwatch.StartNew();
        var result = FrechetDistance.Evaluate(a, b);
        seconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    private static string Seconds(double seconds) => seconds.ToString("F3", CultureInfo.InvariantCulture);
}
