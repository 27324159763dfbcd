namespace Orchestrator.Core.RunSpec;

// The typed model of a run spec (docs/run-spec.md). YAML keys are the snake_case of these property
// names; RunSpecLoader binds a document to these types and reports unknown keys, wrong types and
// out-of-range values with the key path. Defaults here are the defaults of the spec.

/// <summary>A whole run: one YAML file.</summary>
public sealed record RunSpec
{
    public RunSection Run { get; init; } = new();
    public DataSection Data { get; init; } = new();
    public ModelSection Model { get; init; } = new();
    public DiffusionSection Diffusion { get; init; } = new();
    public TrainSection Train { get; init; } = new();
    public ClusterSection Cluster { get; init; } = new();
    public CheckpointSection Checkpoint { get; init; } = new();
    public EvalSection Eval { get; init; } = new();
    public TelemetrySection Telemetry { get; init; } = new();
}

/// <summary>Identity of the run and where it writes.</summary>
public sealed record RunSection
{
    public string Name { get; init; } = "run";
    public long Seed { get; init; }
    /// <summary>Checkpoints, sample grids and metrics go under this folder (relative to the working directory).</summary>
    public string OutputDir { get; init; } = "runs/run";
}

/// <summary>Where the samples come from and how they become tensors.</summary>
public sealed record DataSection
{
    public List<DatasetSource> Train { get; init; } = [];
    public List<DatasetSource> Validation { get; init; } = [];
    public int DecodeThreads { get; init; } = 2;
    public int PrefetchBatches { get; init; } = 2;
    /// <summary>Square side, in pixels, that every image is resized and center-cropped to.</summary>
    public int ImageSize { get; init; } = 32;
    /// <summary>Caption length in tokens, including the begin token; longer captions are cut.</summary>
    public int MaxCaptionTokens { get; init; } = 16;
    /// <summary>Size of the hashed word vocabulary of the caption tokenizer.</summary>
    public int VocabularySize { get; init; } = 1024;
    /// <summary>When set, `train` writes this synthetic dataset first if its shards are not there yet.</summary>
    public SyntheticDataSection? Synthetic { get; init; }
}

/// <summary>One dataset: a folder or glob of Parquet shards in a known layout.</summary>
public sealed record DatasetSource
{
    /// <summary>A folder (every *.parquet in it) or a file glob such as data/shards/*.parquet.</summary>
    public string Shards { get; init; } = "";
    public string Layout { get; init; } = "img2dataset";
    public ColumnMap Columns { get; init; } = new();
    public double Weight { get; init; } = 1.0;
}

/// <summary>Column names of a shard layout; defaults fit img2dataset's parquet output.</summary>
public sealed record ColumnMap
{
    public string Key { get; init; } = "key";
    public string Caption { get; init; } = "caption";
    public string Image { get; init; } = "jpg";
}

/// <summary>The deterministic synthetic caption-image dataset of `orchestrator shards make`.</summary>
public sealed record SyntheticDataSection
{
    /// <summary>Folder the training shards are written to.</summary>
    public string TrainDir { get; init; } = "data/synthetic/train";
    /// <summary>Folder the held-out shards are written to.</summary>
    public string ValidationDir { get; init; } = "data/synthetic/validation";
    public int TrainRows { get; init; } = 2048;
    public int ValidationRows { get; init; } = 256;
    public int RowsPerShard { get; init; } = 512;
    public int RowGroupSize { get; init; } = 128;
    public int ImageSize { get; init; } = 64;
    public long Seed { get; init; } = 1;
}

/// <summary>What network is trained.</summary>
public sealed record ModelSection
{
    public string Kind { get; init; } = "unet2d";
    public int InChannels { get; init; } = 3;
    public int BaseChannels { get; init; } = 32;
    /// <summary>Channel multiplier per resolution level; its length is the number of levels.</summary>
    public List<int> ChannelMultipliers { get; init; } = [1, 2];
    /// <summary>Feature-map sides (in pixels) at which self- and cross-attention run.</summary>
    public List<int> AttentionResolutions { get; init; } = [16];
    public int ResBlocksPerLevel { get; init; } = 1;
    public int AttentionHeads { get; init; } = 4;
    public TextEncoderSection TextEncoder { get; init; } = new();
}

/// <summary>The small caption encoder trained with the denoiser.</summary>
public sealed record TextEncoderSection
{
    public int Width { get; init; } = 64;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
}

/// <summary>The diffusion process (Ho et al., 2020; Nichol and Dhariwal, 2021).</summary>
public sealed record DiffusionSection
{
    /// <summary>linear (DDPM: betas 1e-4 to 0.02) or cosine (improved DDPM).</summary>
    public string Schedule { get; init; } = "linear";
    public int Timesteps { get; init; } = 1000;
    /// <summary>What the network predicts: epsilon (the only target so far).</summary>
    public string Prediction { get; init; } = "epsilon";
    /// <summary>Probability that a caption is replaced by the empty caption in training (classifier-free guidance).</summary>
    public double CfgDropout { get; init; } = 0.1;
    public double EmaDecay { get; init; } = 0.999;
}

/// <summary>How the network is trained.</summary>
public sealed record TrainSection
{
    public int GlobalBatch { get; init; } = 32;
    /// <summary>Fixed micro-batch: a divisor of every per-worker batch; each is differentiated alone.</summary>
    public int MicroBatch { get; init; } = 8;
    /// <summary>Optimizer steps to run; when 0, epochs decides.</summary>
    public int Steps { get; init; }
    public int Epochs { get; init; }
    public OptimizerSection Optimizer { get; init; } = new();
    /// <summary>Order-free (fixed-point) gradient sum: same weights whatever the world size.</summary>
    public bool Deterministic { get; init; } = true;
    /// <summary>Global gradient-norm clip; 0 turns it off.</summary>
    public double GradClip { get; init; } = 1.0;
    /// <summary>Intra-op threads of each worker; fixed so that a micro-batch's gradient does not depend on the machine.</summary>
    public int IntraOpThreads { get; init; } = 1;
    /// <summary>cpu, cuda, or auto (cuda when one is present).</summary>
    public string Device { get; init; } = "auto";
}

/// <summary>AdamW (Loshchilov and Hutter, 2019) with linear warmup.</summary>
public sealed record OptimizerSection
{
    public double Lr { get; init; } = 1e-3;
    public List<double> Betas { get; init; } = [0.9, 0.999];
    public double Eps { get; init; } = 1e-8;
    public double WeightDecay { get; init; } = 0.01;
    public int WarmupSteps { get; init; }
}

/// <summary>Workers and membership.</summary>
public sealed record ClusterSection
{
    public int WorkersPerNode { get; init; } = 2;
    public int MinWorkers { get; init; } = 1;
    public int MaxWorkers { get; init; } = 64;
    public List<string> SeedNodes { get; init; } = [];
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>Akka remoting port; 0 picks a free one.</summary>
    public int Port { get; init; }
    public double CollectiveTimeoutSeconds { get; init; } = 120;
}

/// <summary>When checkpoints are written and which are kept.</summary>
public sealed record CheckpointSection
{
    /// <summary>Steps between checkpoints; the last step is always saved.</summary>
    public int EverySteps { get; init; } = 100;
    public int KeepLast { get; init; } = 3;
    /// <summary>Folder of step-N/ checkpoints; empty means output_dir/checkpoints.</summary>
    public string Dir { get; init; } = "";
}

/// <summary>Periodic evaluation of the newest checkpoint.</summary>
public sealed record EvalSection
{
    /// <summary>Steps between evaluations; 0 evaluates only the last checkpoint.</summary>
    public int EverySteps { get; init; }
    public List<string> Prompts { get; init; } = [];
    /// <summary>Seed of the first prompt's sample; prompt i uses seed + i.</summary>
    public long Seed { get; init; }
    public SamplerSection Sampler { get; init; } = new();
    /// <summary>Generated and held-out real images compared by the Frechet distance.</summary>
    public int FrechetSamples { get; init; } = 64;
    /// <summary>
    /// Features of the Frechet distance: auto (inception when inception_weights is set, else resnet18),
    /// inception (FID), resnet18 (frechet-resnet18, no download) or random-conv.
    /// </summary>
    public string Extractor { get; init; } = "auto";
    /// <summary>Safetensors file of pytorch-fid's Inception-v3 (tools/convert_pt_inception.py); empty: FID off.</summary>
    public string InceptionWeights { get; init; } = "";
    /// <summary>Folder of cached reference statistics; empty means output_dir/reference-statistics.</summary>
    public string ReferenceCache { get; init; } = "";
    public EvalClipSection Clip { get; init; } = new();
}

/// <summary>The Hugging Face CLIP model of the CLIP score; without weights the score is off.</summary>
public sealed record EvalClipSection
{
    /// <summary>model.safetensors of a Hugging Face CLIPModel; empty: CLIP score off.</summary>
    public string Weights { get; init; } = "";
    /// <summary>config.json; empty means config.json beside the weights.</summary>
    public string Config { get; init; } = "";
    /// <summary>vocab.json; empty means vocab.json beside the weights.</summary>
    public string Vocab { get; init; } = "";
    /// <summary>merges.txt; empty means merges.txt beside the weights.</summary>
    public string Merges { get; init; } = "";
}

/// <summary>The sampler used for evaluation and `orchestrator sample`.</summary>
public sealed record SamplerSection
{
    /// <summary>ddim (Song et al., 2021) or ddpm (ancestral).</summary>
    public string Kind { get; init; } = "ddim";
    public int Steps { get; init; } = 50;
    public double Guidance { get; init; } = 3.0;
    /// <summary>DDIM's eta: 0 is deterministic, 1 matches DDPM's variance.</summary>
    public double Eta { get; init; }
}

/// <summary>Where telemetry goes.</summary>
public sealed record TelemetrySection
{
    /// <summary>OTLP endpoint (e.g. http://127.0.0.1:4317); empty turns OTLP export off.</summary>
    public string OtlpEndpoint { get; init; } = "";
    /// <summary>grpc or http/protobuf.</summary>
    public string OtlpProtocol { get; init; } = "grpc";
    /// <summary>Live console progress bar.</summary>
    public bool Progress { get; init; } = true;
}
