using System.Diagnostics;
using System.Globalization;
using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Bench.AllReduce;

/// <summary>
/// usage: Orchestrator.Bench.AllReduce N [--piece-kib K] [--socket-kib K] [--wire float32|bfloat16|float16] [--transport auto|tcp]
/// Starts N copies of itself (one ring member each) on 127.0.0.1 and times SumAsync on float32 buffers of
/// 1, 16, 64 and 256 MiB exactly as gloo_allreduce.py does: buffers of ones, 2 warm-up calls, a barrier,
/// then the mean of max(3, min(20, 2e9 / bytes)) calls. Rank 0 prints one line per size in the anchor's shape:
/// "ours world=N size=SMiB time=Tms algbw=A GB/s busbw=B GB/s".
/// A member (started with --member) prints its listener endpoint, reads the peer list from stdin, then runs.
/// </summary>
internal static class Program
{
    private static readonly int[] s_sizes = [1 << 20, 16 << 20, 64 << 20, 256 << 20];

    private static async Task<int> Main(string[] args)
    {
        try
        {
            return args.Length > 0 && args[0] == "--member" ? await MemberAsync(args) : await LaunchAsync(args);
        }
        catch (ArgumentException error)
        {
            Console.Error.WriteLine($"Orchestrator.Bench.AllReduce: {error.Message}");
            Console.Error.WriteLine("usage: Orchestrator.Bench.AllReduce N [--piece-kib K] [--socket-kib K] [--wire float32|bfloat16|float16] [--transport auto|tcp]");
            return 2;
        }
    }

    private static async Task<int> LaunchAsync(string[] args)
    {
        if (args.Length == 0 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int world) || world < 1)
            throw new ArgumentException($"the first argument is '{(args.Length == 0 ? "" : args[0])}'; expected the number of processes, 1 or more");
        var options = args[1..];
        _ = ParseOptions(options);
        string self = Environment.ProcessPath ?? throw new ArgumentException("cannot find this program's path to start its copies");
        var members = new List<Process>();
        try
        {
            for (int rank = 0; rank < world; rank++)
            {
                var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
                foreach (string argument in new[] { "--member", rank.ToString(CultureInfo.InvariantCulture) }.Concat(options))
                    start.ArgumentList.Add(argument);
                members.Add(Process.Start(start)!);
            }
            var endpoints = new List<string>();
            foreach (var member in members)
            {
                string line = await member.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("a member exited before listening");
                endpoints.Add(line.Replace("endpoint ", "", StringComparison.Ordinal));
            }
            foreach (var member in members)
            {
                await member.StandardInput.WriteLineAsync(string.Join(',', endpoints));
                await member.StandardInput.FlushAsync();
            }
            var output = members.Select(m => m.StandardOutput.ReadToEndAsync()).ToArray();
            Console.Write(await output[0]);
            await Task.WhenAll(output);
            foreach (var member in members)
            {
                await member.WaitForExitAsync();
            }
            return members.Any(m => m.ExitCode != 0) ? 1 : 0;
        }
        finally
        {
            foreach (var member in members)
            {
                if (!member.HasExited)
                    member.Kill();
                member.Dispose();
            }
        }
    }

    private static async Task<int> MemberAsync(string[] args)
    {
        int rank = int.Parse(args[1], CultureInfo.InvariantCulture);
        var options = ParseOptions(args[2..]);
        using var listener = RingListener.Start("127.0.0.1", 0, options.SocketBufferBytes);
        Console.WriteLine($"endpoint {listener.Endpoint}");
        string peers = await Console.In.ReadLineAsync() ?? throw new InvalidOperationException("no peer list on stdin");
        var generation = new RingGeneration(1, rank, peers.Split(','));
        using var ring = await TcpRingAllReduce.ConnectAsync(listener, generation, options, CancellationToken.None);
        var barrier = new long[1];
        if (rank == 0)
        {
            Console.WriteLine($"ours transport: to the right {ring.RightTransport}, from the left {ring.LeftTransport}");
        }
        foreach (int bytes in s_sizes)
        {
            var buffer = new float[bytes / 4];
            Array.Fill(buffer, 1f);
            for (int i = 0; i < 2; i++)
                await ring.SumAsync(buffer, CancellationToken.None);
            await ring.SumAsync(barrier, CancellationToken.None);
            int iterations = Math.Max(3, Math.Min(20, (int)(2e9 / bytes)));
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++)
                await ring.SumAsync(buffer, CancellationToken.None);
            double seconds = clock.Elapsed.TotalSeconds / iterations;
            if (rank == 0)
            {
                double algbw = bytes / seconds / 1e9;
                double busbw = algbw * 2 * (ring.WorldSize - 1) / ring.WorldSize;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ours world={ring.WorldSize} size={bytes >> 20}MiB time={seconds * 1e3:F2}ms algbw={algbw:F3}GB/s busbw={busbw:F3}GB/s"));
            }
        }
        return 0;
    }

    private static TcpRingOptions ParseOptions(string[] args)
    {
        var options = new TcpRingOptions(TimeSpan.FromSeconds(60));
        for (int i = 0; i < args.Length; i += 2)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"option {args[i]} needs a value");
            options = args[i] switch
            {
                "--piece-kib" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int kib) && kib >= 1 =>
                    options with { PieceBytes = kib * 1024 },
                "--socket-kib" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int kib) && kib >= 4 =>
                    options with { SocketBufferBytes = kib * 1024 },
                "--wire" when Enum.TryParse<RingWireFormat>(value, ignoreCase: true, out var wire) => options with { WireFormat = wire },
                "--transport" when value is "auto" or "tcp" => options with { SharedMemory = value == "auto" },
                _ => throw new ArgumentException(
                    $"option {args[i]} {value} is not understood; expected --piece-kib K, --socket-kib K (4 or more), --wire float32|bfloat16|float16 or --transport auto|tcp"),
            };
        }
        return options;
    }
}
