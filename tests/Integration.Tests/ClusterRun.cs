using System.Globalization;
using System.Text.Json;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// What the tests of runs that span processes read back from a run's folder (metrics.jsonl, consumed-samples.tsv),
/// polled, since the processes are separate and there is no event to wait on in the test's own.
/// </summary>
internal static class ClusterRun
{
    public const int StepsPerEpoch = 8;
    public const int RowsPerEpoch = 64;
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    public static async Task MakeShardsAsync(TinyRun run, string? spec = null)
    {
        var made = await OrchestratorProcess.RunAsync(run.Directory, TimeSpan.FromMinutes(2), "shards", "make", "--config", spec ?? run.SpecPath);
        Assert.True(made.ExitCode == 0, made.Output + made.Error);
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails with the coordinator's output when it ends first or time runs out.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, RoleProcess coordinator)
    {
        using var limit = new CancellationTokenSource(Limit);
        while (!condition())
        {
            if (limit.IsCancellationRequested || coordinator.HasExited)
            {
                throw new TimeoutException(
                    $"the run did not get there {(coordinator.HasExited ? "before the coordinator ended" : "in time")}; the coordinator's output:\n{coordinator.Output}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }

    public static Task WaitForStepAsync(TinyRun run, RoleProcess coordinator, long step) =>
        WaitUntilAsync(() => Records(run).Any(r => Event(r) is null && r.GetProperty("step").GetInt64() >= step), coordinator);

    /// <summary>consumed-samples.tsv holds each of an epoch's samples exactly once, for each of <paramref name="epochs"/> epochs.</summary>
    public static void AssertEverySampleOncePerEpoch(TinyRun run, int epochs)
    {
        var lines = File.ReadAllLines(Path.Combine(run.Directory, "out", "consumed-samples.tsv"))
            .Select(line => line.Split('\t'))
            .Select(f => (Step: long.Parse(f[0], CultureInfo.InvariantCulture), Key: f[2]))
            .ToList();
        var byEpoch = lines.GroupBy(l => l.Step / StepsPerEpoch).OrderBy(g => g.Key).ToList();
        Assert.Equal(epochs, byEpoch.Count);
        foreach (var epoch in byEpoch)
        {
            Assert.Equal(RowsPerEpoch, epoch.Count());
            Assert.Equal(RowsPerEpoch, epoch.Select(l => l.Key).Distinct().Count());
        }
    }

    /// <summary>The run ended with <paramref name="replicas"/> state fingerprints, all equal.</summary>
    public static void AssertIdenticalReplicas(TinyRun run, int replicas)
    {
        var fingerprints = Fingerprints(run);
        Assert.Equal(replicas, fingerprints.Count);
        Assert.Single(fingerprints.Distinct());
    }

    public static List<string> Fingerprints(TinyRun run) =>
        Records(run).Last(r => Event(r) == "replicas").GetProperty("fingerprints").EnumerateArray().Select(f => f.GetString()!).ToList();

    /// <summary>The complete lines of metrics.jsonl so far.</summary>
    public static List<JsonElement> Records(TinyRun run)
    {
        string path = Path.Combine(run.Directory, "out", "metrics.jsonl");
        if (!File.Exists(path))
        {
            return [];
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var records = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            if (line.EndsWith('}'))
            {
                using var document = JsonDocument.Parse(line);
                records.Add(document.RootElement.Clone());
            }
        }
        return records;
    }

    public static string? Event(JsonElement record) => record.TryGetProperty("event", out var e) ? e.GetString() : null;

    public static DateTime Time(JsonElement record) =>
        DateTime.Parse(record.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
