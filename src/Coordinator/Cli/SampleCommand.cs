using Orchestrator.Coordinator.Console;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Evaluation;
using Orchestrator.Evaluator.Grids;
using TorchSharp;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orchestrator sample --checkpoint DIR [--prompt TEXT]... [--out grid.png] [--weights ema|model]
/// [--sampler ddim|ddpm] [--steps N] [--guidance G] [--eta E] [--seed S]`: a captioned sample grid from a
/// checkpoint, with the run spec stored in its manifest. Without --prompt it samples the spec's eval.prompts.
/// A video checkpoint gives a frame strip at --out and one GIF per prompt in the folder of that name (<see cref="SampleFiles"/>).
/// </summary>
public static class SampleCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string>
    {
        "checkpoint", "prompt", "out", "weights", "sampler", "steps", "guidance", "eta", "seed",
    };

    public static int Run(CommandLine command)
    {
        string directory = command.Value("checkpoint")
            ?? throw new CommandLineException("option --checkpoint is needed: the step-N folder to sample from");
        string weights = command.Value("weights") ?? "ema";
        if (weights is not ("ema" or "model"))
        {
            throw new CommandLineException($"option --weights: expected ema or model, got '{weights}'");
        }
        string? kind = command.Value("sampler");
        if (kind is not (null or "ddim" or "ddpm"))
        {
            throw new CommandLineException($"option --sampler: expected ddim or ddpm, got '{kind}'");
        }

        // Every option is checked before the checkpoint is read.
        int? steps = command.PositiveInt("steps");
        double? guidance = command.NonNegativeNumber("guidance");
        double? eta = command.NonNegativeNumber("eta");
        if (eta > 1)
        {
            throw new CommandLineException($"option --eta: expected a number in [0, 1], got '{command.Value("eta")}'");
        }
        long? seedOption = command.Value("seed") is string s
            ? long.TryParse(s, out long parsed) ? parsed : throw new CommandLineException($"option --seed: expected an integer, got '{s}'")
            : null;

        var checkpoint = CheckpointStore.LoadFolder(directory);
        var spec = RunSpecLoader.Parse(checkpoint.Manifest.RunSpec, $"{Path.Combine(directory, "manifest.json")} (run_spec)");
        var settings = spec.Eval.Sampler with
        {
            Kind = kind ?? spec.Eval.Sampler.Kind,
            Steps = steps ?? spec.Eval.Sampler.Steps,
            Guidance = guidance ?? spec.Eval.Sampler.Guidance,
            Eta = eta ?? spec.Eval.Sampler.Eta,
        };
        var prompts = command.Values("prompt").Count > 0 ? command.Values("prompt") : spec.Eval.Prompts;
        if (prompts.Count == 0)
        {
            throw new CommandLineException("no prompts: give --prompt TEXT (repeatable), or sample a run whose spec has eval.prompts");
        }
        long seed = seedOption ?? spec.Eval.Seed;
        string output = command.Value("out") ?? $"samples-step-{checkpoint.Manifest.Step:D8}-{weights}.png";

        torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));
        var sampler = new CaptionSampler(spec, settings);
        using var model = CaptionSampler.LoadModel(spec, checkpoint, $"{weights}.safetensors");
        var bar = ProgressBar.ForConsole("sample", spec.Telemetry.Progress);
        long total = sampler.TotalSteps(prompts.Count);
        using var scope = torch.NewDisposeScope();
        var images = sampler.Sample(
            model, prompts, prompts.Select((_, i) => seed + i).ToArray(),
            done => bar.Report(done, total, "steps"));
        var clips = SampleFiles.Write(output, images, prompts);
        System.Console.WriteLine(
            $"samples: {output} ({prompts.Count} prompts, {settings.Kind} {sampler.StepsPerChunk} steps, guidance {settings.Guidance}, {weights} weights of step {checkpoint.Manifest.Step})");
        if (clips.Count > 0)
        {
            System.Console.WriteLine($"clips:   {string.Join(", ", clips)}");
        }
        return 0;
    }
}
