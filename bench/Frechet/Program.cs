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
    private static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (Exception error) when (error is ArgumentException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"Orchestrator.Bench.Frechet: {error.Message}");
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: Orchestrator.Bench.Frechet DIR [--dim D] [--threads N] [--runs R]");
            return 2;
        }
        string folder = args[0];
        int? dimension = null;
        int threads = 1;
        int runs = 3;
        for (int i = 1; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
                throw new ArgumentException($"Option {args[i]} needs a value.");
            if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
                throw new ArgumentException($"Option {args[i]} is '{args[i + 1]}'; expected a whole number, 1 or more.");
            switch (args[i])
            {
                case "--dim": dimension = value; break;
                case "--threads": threads = value; break;
                case "--runs": runs = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}; expected --dim, --threads or --runs.");
            }
        }

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
