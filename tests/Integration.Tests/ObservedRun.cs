using System.Globalization;
using Orchestrator.DataLoader.Shards;
using Orchestrator.Evaluator.Features.Inception;
using Orchestrator.Evaluator.Tests.Clip;
using Orchestrator.Core.Safetensors;
using Orchestrator.Models.State;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A short real training (`orchestrator train`, a process) with every metric of the dashboard switched on,
/// scraped by the real Prometheus: one epoch over data holding bad rows (so that the skip counter counts),
/// two workers (ranks), checkpoints, and a final evaluation with FID (Inception-v3 weights of the test's:
/// randomly initialised, the network is the real one) and CLIP score (a tiny CLIP).
/// </summary>
public sealed class ObservedRun : IAsyncLifetime
{
    // 64 synthetic rows + 8 bad ones: 9 steps of 8 samples visit every row once.
    public const int Steps = 9;
    public const int BadRows = 8;

    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(4);

    private TinyRun? _run;

    internal PrometheusServer Prometheus { get; private set; } = null!;

    internal OrchestratorProcess.Result Result { get; private set; } = null!;

    /// <summary>When the test began: series queries start here.</summary>
    public DateTimeOffset Began { get; } = DateTimeOffset.UtcNow.AddMinutes(-1);

    public async Task InitializeAsync()
    {
        int metricsPort = RoleProcess.FreePort();
        _run = new TinyRun(steps: Steps, extra: $"telemetry: {{ progress: false, prometheus: {{ port: {metricsPort}, final_scrape_seconds: 30 }} }}");
        string folder = _run.Directory;
        Directory.CreateDirectory(Path.Combine(folder, "clip"));
        TinyClip.Write(Path.Combine(folder, "clip"));
        WriteInceptionWeights(Path.Combine(folder, "inception.safetensors"));
        string spec = await File.ReadAllTextAsync(_run.SpecPath);
        await File.WriteAllTextAsync(_run.SpecPath, spec.Replace(
            "  frechet_samples: 8\n", "  frechet_samples: 8\n  inception_weights: inception.safetensors\n  clip: { weights: clip/model.safetensors }\n",
            StringComparison.Ordinal));

        var made = await OrchestratorProcess.RunAsync(folder, RunLimit, "shards", "make", "--config", _run.SpecPath);
        Assert.True(made.ExitCode == 0, made.Output + made.Error);
        await WriteBadShardAsync(Path.Combine(folder, "shards", "train", "00099.parquet"));

        Prometheus = await PrometheusServer.StartAsync([$"127.0.0.1:{metricsPort}"]);
        Result = await OrchestratorProcess.RunAsync(
            folder, RunLimit, "train", "--config", _run.SpecPath, "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture));
    }

    public Task DisposeAsync()
    {
        Prometheus?.Dispose();
        _run?.Dispose();
        return Task.CompletedTask;
    }

    // Half of the rows hold bytes no decoder reads, half are failed downloads (no image).
    private static Task WriteBadShardAsync(string path)
    {
        var rows = Enumerable.Range(0, BadRows)
            .Select(i => i % 2 == 0
                ? new ShardRow($"bad-{i}", "a broken picture", [0x42, 0x41, 0x44, 0x21])
                : new ShardRow($"bad-{i}", "a lost picture", null) { ErrorMessage = "HTTP 404" })
            .ToList();
        return ShardWriter.WriteAsync(path, rows, rowGroupSize: BadRows);
    }

    // pytorch-fid's network with TorchSharp's initial weights: FID's computation end to end, without the
    // download of the real weights (docs/evaluation.md), which no test may fetch.
    private static void WriteInceptionWeights(string path)
    {
        using var net = new FidInceptionV3();
        SafetensorsFile.Write(path, ModuleState.Capture(net));
    }
}
