using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Safetensors;
using Orchestrator.Models.Networks;
using Orchestrator.Models.State;
using Orchestrator.Trainer.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Trainer.Replica;

/// <summary>
/// One worker's copy of everything that is trained: the network, its EMA copy and the optimizer
/// state. Replicas are built from the run seed, so every worker starts from the same weights, and
/// they stay identical because each takes the same step from the same averaged gradient.
/// </summary>
public sealed class ModelReplica : IDisposable
{
    /// <summary>Checkpoint file names (DESIGN.md, "Checkpoints").</summary>
    public const string ModelFile = "model.safetensors";
    public const string EmaFile = "ema.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";

    private static readonly object ConstructionGate = new();

    private ModelReplica(DiffusionModel model, DiffusionModel ema, RunSpec spec, Device device)
    {
        Model = model;
        Parameters = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        Optimizer = new AdamW(Parameters, spec.Train.Optimizer);
        Ema = new ExponentialMovingAverage(model, ema, spec.Diffusion.EmaDecay);
        Ema.Reset();
        Device = device;
    }

    public DiffusionModel Model { get; }

    public IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Value)> Parameters { get; }

    public AdamW Optimizer { get; }

    public ExponentialMovingAverage Ema { get; }

    public Device Device { get; }

    /// <summary>
    /// Builds a replica whose initial weights depend on the run seed alone (or are model.init_from's). Construction draws from
    /// libtorch's global generator, so replicas are built one at a time.
    /// </summary>
    public static ModelReplica Create(RunSpec spec, Device device)
    {
        lock (ConstructionGate)
        {
            torch.manual_seed(spec.Run.Seed);
            var model = ModelFactory.Create(spec.Model, spec.Data.VocabularySize, spec.Data.MaxCaptionTokens, spec.Data.ImageSize);
            if (spec.Model.InitFrom.Length > 0)
            {
                // Before the EMA starts from the live weights (the constructor), so both begin at the loaded ones.
                InitialWeights.Apply(model, spec.Model.InitFrom);
            }
            var ema = ModelFactory.Create(spec.Model, spec.Data.VocabularySize, spec.Data.MaxCaptionTokens, spec.Data.ImageSize);
            model.to(device);
            ema.to(device);
            ema.eval();
            foreach (var p in ema.parameters())
            {
                p.requires_grad = false;
            }
            return new ModelReplica(model, ema, spec, device);
        }
    }

    /// <summary>The three checkpoint files' tensors, copied to host memory.</summary>
    public Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> Capture() => new()
    {
        [ModelFile] = ModuleState.Capture(Model),
        [EmaFile] = ModuleState.Capture(Ema.Shadow),
        [OptimizerFile] = Optimizer.Capture(),
    };

    /// <summary>Loads weights, EMA and optimizer state from a verified checkpoint.</summary>
    public void Restore(LoadedCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Restore(checkpoint.Files);
    }

    /// <summary>Loads weights, EMA and optimizer state from the three files' contents, by file name.</summary>
    public void Restore(IReadOnlyDictionary<string, SafetensorsContent> files)
    {
        ModuleState.Restore(Model, Require(files, ModelFile));
        ModuleState.Restore(Ema.Shadow, Require(files, EmaFile));
        Optimizer.Restore(Require(files, OptimizerFile));
    }

    /// <summary>The number of optimizer steps these weights have taken.</summary>
    public long AppliedSteps => Optimizer.StepCount;

    private static SafetensorsContent Require(IReadOnlyDictionary<string, SafetensorsContent> files, string name) =>
        files.TryGetValue(name, out var content) ? content : throw new InvalidDataException($"the replica state has no {name}");

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
        Ema.Shadow.Dispose();
    }
}
