using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;
using Orchestrator.Models.Diffusion;
using Orchestrator.Trainer.Reduction;
using Orchestrator.Trainer.Replica;
using TorchSharp;

namespace Orchestrator.Trainer.Tests;

/// <summary>
/// A tiny real training setup (synthetic shards on disk, a small UNet) that tests drive without a
/// cluster: replicas, an in-process group and <see cref="ReplicaTrainer"/> steps.
/// </summary>
internal sealed class TinyTraining : IDisposable
{
    private readonly TemporaryFolder _folder;

    private TinyTraining(TemporaryFolder folder, RunSpec spec, TrainingSetup setup)
    {
        _folder = folder;
        Spec = spec;
        Setup = setup;
    }

    public RunSpec Spec { get; }

    public TrainingSetup Setup { get; }

    public string Directory => _folder.Path;

    public static async Task<TinyTraining> CreateAsync(bool deterministic = true)
    {
        var folder = new TemporaryFolder();
        string directory = folder.Path;
        var synthetic = new SyntheticDataSection
        {
            TrainDir = Path.Combine(directory, "train"),
            ValidationDir = Path.Combine(directory, "validation"),
            TrainRows = 48,
            ValidationRows = 4,
            RowsPerShard = 24,
            RowGroupSize = 8,
            ImageSize = 16,
        };
        await SyntheticShardMaker.MakeAsync(synthetic);
        var spec = new RunSpec
        {
            Run = new RunSection { Name = "tiny", Seed = 11, OutputDir = directory },
            Data = new DataSection
            {
                Train = [new DatasetSource { Shards = synthetic.TrainDir }],
                ImageSize = 16,
                MaxCaptionTokens = 8,
                VocabularySize = 64,
                DecodeThreads = 1,
            },
            Model = new ModelSection
            {
                BaseChannels = 8,
                ChannelMultipliers = [1, 2],
                AttentionResolutions = [8],
                AttentionHeads = 2,
                TextEncoder = new TextEncoderSection { Width = 16, Layers = 1, Heads = 2 },
            },
            Diffusion = new DiffusionSection { CfgDropout = 0.2 },
            Train = new TrainSection
            {
                GlobalBatch = 8,
                MicroBatch = 2,
                Steps = 4,
                Deterministic = deterministic,
                Optimizer = new OptimizerSection { Lr = 0.003, WarmupSteps = 2 },
            },
        };
        var catalog = await ShardCatalog.OpenAsync(spec.Data.Train);
        var plan = new SamplePlan(catalog.TotalRows, spec.Train.GlobalBatch, spec.Run.Seed, catalog.LargestRowGroupRows);
        var tokenizer = new CaptionTokenizer(spec.Data.VocabularySize, spec.Data.MaxCaptionTokens);
        var batches = new BatchSource(catalog, plan, spec.Data.ImageSize, tokenizer, spec.Data.DecodeThreads, new SkipCounter());
        var objective = new DiffusionObjective(NoiseSchedule.Create(spec.Diffusion), spec.Diffusion.CfgDropout, tokenizer.EmptyCaption, spec.Run.Seed);
        return new TinyTraining(folder, spec, new TrainingSetup(spec, plan, batches, objective));
    }

    /// <summary>Replicas of a group of <paramref name="worldSize"/> workers, built from the run seed.</summary>
    public List<ReplicaTrainer> Workers(int worldSize)
    {
        var group = new InProcessAllReduceGroup(worldSize, TimeSpan.FromSeconds(60));
        return Enumerable.Range(0, worldSize)
            .Select(rank => new ReplicaTrainer(Setup, ModelReplica.Create(Spec, torch.CPU), group.Member(rank)))
            .ToList();
    }

    /// <summary>Runs global steps [from, to) on every worker of the group together.</summary>
    public static async Task RunAsync(IReadOnlyList<ReplicaTrainer> workers, long from, long to)
    {
        for (long step = from; step < to; step++)
        {
            await Task.WhenAll(workers.Select(w => w.TrainStepAsync(step, CancellationToken.None)));
        }
    }

    /// <summary>Every tensor of a replica (weights, EMA, optimizer state) as bytes, by file and name.</summary>
    public static Dictionary<string, byte[]> Snapshot(ReplicaTrainer worker) =>
        worker.Replica.Capture()
            .SelectMany(file => file.Value.Select(t => ($"{file.Key}/{t.Key}", t.Value.Data)))
            .ToDictionary(p => p.Item1, p => p.Data);

    public static void AssertBitwiseEqual(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"tensor {name} differs");
        }
    }

    public static void Dispose(IEnumerable<ReplicaTrainer> workers)
    {
        foreach (var w in workers)
        {
            w.Replica.Dispose();
        }
    }

    public void Dispose() => _folder.Dispose();
}
