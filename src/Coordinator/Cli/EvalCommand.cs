using System.Globalization;
using System.Text.Json;
using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Run;
using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Evaluation;
using Orchestrator.Evaluator.Remote;
using TorchSharp;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orchestrator eval --checkpoint PATH|URL [--config run.yaml] [--token-file F] [--out DIR]`: the
/// evaluation the evaluator node runs (sample grid and Frechet distance), offline. A URL is a
/// checkpoint of a coordinator's checkpoint service, downloaded and verified first.
/// </summary>
public static class EvalCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "checkpoint", "config", "token-file", "out" };

    private static readonly JsonSerializerOptions JsonLine = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> RunAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var reference = command.Value("checkpoint")
            ?? throw new CommandLineException("option --checkpoint is needed: a step-N folder, or a URL such as http://coordinator:8470/checkpoints/latest");
        var config = command.Value("config");
        var configured = config is null ? null : SpecSource.Load(config).Spec;
        var output = command.Value("out") ?? "eval";

        string folder;
        if (Uri.TryCreate(reference, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            var token = Token(command, configured);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            System.Console.WriteLine($"downloading {url}");
            folder = await new CheckpointDownload(http, token).DownloadAsync(url, Path.Combine(output, "checkpoints"), cancellationToken);
            System.Console.WriteLine($"downloaded and verified: {folder}");
        }
        else
        {
            folder = reference;
        }

        var spec = configured ?? SpecOfCheckpoint(folder);
        if (spec.Eval.Prompts.Count == 0)
        {
            throw new CommandLineException("no prompts to sample: give --config with a spec whose eval.prompts is not empty");
        }

        Directory.CreateDirectory(output);
        torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));
        var heldOut = await HeldOutSet.LoadAsync(spec, cancellationToken);
        var bar = ProgressBar.ForConsole("eval", spec.Telemetry.Progress);
        using var evaluation = new CheckpointEvaluation(spec, heldOut, output, (done, total) => bar.Report(done, total, "sampler steps"));
        var result = evaluation.Evaluate(folder);

        var metricsPath = Path.Combine(output, "metrics.jsonl");
        var line = JsonSerializer.Serialize(new
        {
            @event = "evaluation",
            step = result.Step,
            checkpoint = Path.GetFullPath(folder),
            frechet_distance = result.FrechetDistance,
            extractor = result.Extractor,
            grid = result.GridPath,
            time = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        }, JsonLine);
        await File.AppendAllTextAsync(metricsPath, line + "\n", cancellationToken);

        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {result.Step}: frechet distance ({result.Extractor}) {result.FrechetDistance:0.0000}"));
        System.Console.WriteLine($"samples: {result.GridPath}");
        System.Console.WriteLine($"metrics: {metricsPath}");
        return 0;
    }

    /// <summary>The run spec stored in the checkpoint's manifest.</summary>
    private static RunSpec SpecOfCheckpoint(string folder)
    {
        var manifestPath = Path.Combine(folder, CheckpointStore.ManifestFile);
        if (!File.Exists(manifestPath))
        {
            throw new CheckpointCorruptException(manifestPath, "manifest is missing; expected a checkpoint folder (step-N) holding manifest.json");
        }

        try
        {
            return RunSpecLoader.Parse(CheckpointManifest.FromJson(File.ReadAllText(manifestPath)).RunSpec, $"{manifestPath} (run_spec)");
        }
        catch (JsonException e)
        {
            throw new CheckpointCorruptException(manifestPath, $"manifest is not valid: {e.Message}", inner: e);
        }
    }

    private static string Token(CommandLine command, RunSpec? spec)
    {
        if (command.Value("token-file") is { } file)
        {
            return ServiceToken.ReadFile(file, "option --token-file");
        }

        return spec?.Checkpoint.Serve is { } serve
            ? ServiceToken.Read(serve)
            : throw new CommandLineException(
                "a checkpoint URL needs the service's bearer token: give --token-file F, or --config with a spec whose checkpoint.serve names token_file or token_env");
    }
}
