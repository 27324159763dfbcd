using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;
using Orchestrator.DataLoader.Video;
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
        return await OpenAsync(folder, spec);
    }

    /// <summary>
    /// A tiny video run: synthetic caption-video shards (mp4, 4 frames of 16 px), a video UNet, clips of 4 frames;
    /// with <paramref name="images"/> the image shards too (weight 1 against the videos' 1: joint image-video training),
    /// or, with <paramref name="videos"/> false, only images repeated to clips.
    /// </summary>
    public static async Task<TinyTraining> CreateVideoAsync(bool videos = true, bool images = false)
    {
        var folder = new TemporaryFolder();
        string directory = folder.Path;
        SyntheticDataSection Data(string name) => new()
        {
            TrainDir = Path.Combine(directory, name + "-train"),
            ValidationDir = Path.Combine(directory, name + "-validation"),
            TrainRows = 16,
            ValidationRows = 2,
            RowsPerShard = 8,
            RowGroupSize = 4,
            ImageSize = 16,
        };
        var videoData = Data("video") with { Video = new SyntheticVideoSection { Frames = 6, Fps = 8 } };
        var imageData = Data("image");
        var train = new List<DatasetSource>();
        if (videos)
        {
            await SyntheticVideoShardMaker.MakeAsync(videoData);
            train.Add(new DatasetSource { Shards = videoData.TrainDir, Layout = "video2dataset" });
        }

        if (images)
        {
            await SyntheticShardMaker.MakeAsync(imageData);
            train.Add(new DatasetSource { Shards = imageData.TrainDir });
        }

        var spec = new RunSpec
        {
            Run = new RunSection { Name = "tiny-video", Seed = 13, OutputDir = directory },
            Data = new DataSection
            {
                Train = train,
                ImageSize = 16,
                MaxCaptionTokens = 8,
                VocabularySize = 64,
                DecodeThreads = 1,
                Clip = new ClipSection { Frames = 4, Stride = 1 },
            },
            Model = new ModelSection
            {
                Kind = "video-unet",
                BaseChannels = 8,
                ChannelMultipliers = [1, 2],
                AttentionResolutions = [8],
                AttentionHeads = 2,
                TextEncoder = new TextEncoderSection { Width = 16, Layers = 1, Heads = 2 },
                MaxFrameDistance = 4,
            },
            Diffusion = new DiffusionSection { CfgDropout = 0.2 },
            Train = new TrainSection
            {
                GlobalBatch = 4,
                MicroBatch = 1,
                Steps = 4,
                Optimizer = new OptimizerSection { Lr = 0.003, WarmupSteps = 1 },
            },
        };
        return await OpenAsync(folder, spec);
    }

    // The setup RunData builds from a spec: catalog, plan over its sources, batch source (clips in a video run), objective.
    private static async Task<TinyTraining> OpenAsync(TemporaryFolder folder, RunSpec spec)
    {
        var catalog = await ShardCatalog.OpenAsync(spec.Data.Train);
        var plan = SamplePlan.For(catalog, spec.Train.GlobalBatch, spec.Run.Seed);
        var tokenizer = new CaptionTokenizer(spec.Data.VocabularySize, spec.Data.MaxCaptionTokens);
        var batches = new BatchSource(catalog, plan, spec.Data.ImageSize, tokenizer, spec.Data.DecodeThreads, new SkipCounter(),
            clips: ClipRows.For(spec, new VideoSkipCounter()));
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

    /// <summary>
    /// Checks that <paramref name="total"/> steps straight (world size <paramref name="firstWorld"/>) and
    /// <paramref name="split"/> steps, a checkpoint, then the rest on <paramref name="resumedWorld"/> workers restored
    /// from it end with bitwise the same weights, EMA and optimizer state.
    /// </summary>
    public async Task AssertResumeMatchesUnbrokenRunAsync(int firstWorld, int resumedWorld, long split, long total)
    {
        var straight = Workers(firstWorld);
        await RunAsync(straight, 0, total);

        var first = Workers(firstWorld);
        await RunAsync(first, 0, split);
        var store = new CheckpointStore(Path.Combine(Directory, "checkpoints"), keepLast: 2);
        store.Save(new CheckpointContent { Step = split, WorldSize = firstWorld, Files = first[0].Replica.Capture().ToDictionary(p => p.Key, p => p.Value) });

        var resumed = Workers(resumedWorld);
        foreach (var worker in resumed)
        {
            worker.Replica.Restore(store.LoadLatest());
        }

        await RunAsync(resumed, split, total);

        AssertBitwiseEqual(Snapshot(straight[0]), Snapshot(resumed[0]));
        Dispose(straight.Concat(first).Concat(resumed));
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
