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
    /// <summary>How a clip is cut from each video row; set for video runs, absent for image runs.</summary>
    public ClipSection? Clip { get; init; }

    /// <summary>Frames of every training sample: data.clip.frames in a video run (images are repeated to it), 1 otherwise.</summary>
    public int SampleFrames => Clip?.Frames ?? 1;
}

/// <summary>The clip sampler of video rows: how many frames, how far apart, and what to do with short videos.</summary>
public sealed record ClipSection
{
    /// <summary>Frames per clip (the F of a (C, F, H, W) sample).</summary>
    public int Frames { get; init; } = 16;
    /// <summary>Source frames between two clip frames; used when fps is 0.</summary>
    public int Stride { get; init; } = 1;
    /// <summary>Target frame rate: when above 0 the stride is the source fps over this, per video; 0 uses stride.</summary>
    public double Fps { get; init; }
    /// <summary>A video shorter than a clip is padded by repeating its last frame (true) or skipped (false).</summary>
    public bool Pad { get; init; } = true;
}

/// <summary>One dataset: a folder or glob of Parquet shards in a known layout.</summary>
public sealed record DatasetSource
{
    /// <summary>A folder (every *.parquet in it) or a file glob such as data/shards/*.parquet.</summary>
    public string Shards { get; init; } = "";
    /// <summary>img2dataset (caption + image rows), video2dataset (caption + mp4 rows) or frame-list (caption + list of encoded frames).</summary>
    public string Layout { get; init; } = "img2dataset";
    public ColumnMap Columns { get; init; } = new();
    /// <summary>Share of the training samples drawn from this dataset, relative to the other datasets' weights.</summary>
    public double Weight { get; init; } = 1.0;
    /// <summary>Rows kept only when their metadata pass every filter set here (checked before decoding).</summary>
    public DatasetFilters Filters { get; init; } = new();

    /// <summary>True for the layouts whose rows are clips (video2dataset, frame-list): they need data.clip.</summary>
    public bool IsVideo => Layout is "video2dataset" or "frame-list";
}

/// <summary>
/// Column names of a shard layout; defaults fit img2dataset's parquet output, with LAION's metadata
/// names for the LAION scores. When the caption column is absent, `txt` and then LAION's `TEXT` are tried.
/// </summary>
public sealed record ColumnMap
{
    public string Key { get; init; } = "key";
    public string Caption { get; init; } = "caption";
    public string Image { get; init; } = "jpg";
    /// <summary>video2dataset layout: the encoded video bytes.</summary>
    public string Video { get; init; } = "mp4";
    /// <summary>frame-list layout: the list of encoded frames.</summary>
    public string Frames { get; init; } = "frames";
    public string Url { get; init; } = "url";
    public string Width { get; init; } = "width";
    public string Height { get; init; } = "height";
    public string OriginalWidth { get; init; } = "original_width";
    public string OriginalHeight { get; init; } = "original_height";
    public string Status { get; init; } = "status";
    public string ErrorMessage { get; init; } = "error_message";
    public string Sha256 { get; init; } = "sha256";
    /// <summary>LAION's CLIP image-text cosine similarity.</summary>
    public string Similarity { get; init; } = "similarity";
    /// <summary>LAION's probability that the image is unsafe.</summary>
    public string Punsafe { get; init; } = "punsafe";
    /// <summary>LAION's probability that the image carries a watermark.</summary>
    public string Pwatermark { get; init; } = "pwatermark";
    /// <summary>LAION-Aesthetics' predicted aesthetic score (about 1-10).</summary>
    public string AestheticScore { get; init; } = "AESTHETIC_SCORE";
}

/// <summary>Metadata filters of one dataset; a filter left out (null) is off.</summary>
public sealed record DatasetFilters
{
    /// <summary>Smallest stored width (columns.width) kept, in pixels.</summary>
    public int? MinWidth { get; init; }
    public int? MinHeight { get; init; }
    /// <summary>The only status (columns.status) kept, such as success.</summary>
    public string? Status { get; init; }
    public double? MinSimilarity { get; init; }
    public double? MaxPunsafe { get; init; }
    public double? MaxPwatermark { get; init; }
    public double? MinAesthetic { get; init; }
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
    /// <summary>When set, the rows are caption-video clips (mp4 in video2dataset's layout) instead of images.</summary>
    public SyntheticVideoSection? Video { get; init; }
}

/// <summary>The clips of the synthetic caption-video dataset (`orchestrator shards make --video`).</summary>
public sealed record SyntheticVideoSection
{
    /// <summary>Frames per synthetic video.</summary>
    public int Frames { get; init; } = 16;
    /// <summary>Frame rate written into the mp4.</summary>
    public int Fps { get; init; } = 8;
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
    /// <summary>video-unet: heads of the attention over frames; 0 takes attention_heads.</summary>
    public int TemporalAttentionHeads { get; init; }
    /// <summary>video-unet: frame offsets up to this far apart get their own learned attention bias; farther ones share the last.</summary>
    public int MaxFrameDistance { get; init; } = 16;
    /// <summary>
    /// Initial weights: a checkpoint folder (its ema.safetensors) or a .safetensors file. A unet2d's weights start a
    /// video-unet's spatial layers (temporal ones at zero); otherwise every tensor must match. Empty: fresh weights.
    /// </summary>
    public string InitFrom { get; init; } = "";
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
    /// <summary>Membership through Akka.Management cluster bootstrap instead of seed nodes; absent: seed nodes.</summary>
    public DiscoverySection? Discovery { get; init; }
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>Akka remoting port; 0 picks a free one.</summary>
    public int Port { get; init; }
    public double CollectiveTimeoutSeconds { get; init; } = 120;
    /// <summary>Gradient bucket size of the float path, in MiB (PyTorch DDP's default).</summary>
    public double BucketMib { get; init; } = 25;
    /// <summary>Wire format of the float path on the ring: float32, bfloat16 or float16 (summed in float32).</summary>
    public string TransferDtype { get; init; } = "float32";
    /// <summary>Port of this node's gradient data plane (the TCP ring); 0 picks a free one.</summary>
    public int DataPlanePort { get; init; }
    /// <summary>How long an unreachable node may stay unreachable before the Split Brain Resolver downs it.</summary>
    public double DownAfterSeconds { get; init; } = 7;
    /// <summary>
    /// How long a node may try to join through its seed nodes before it gives up and exits (1); 0 keeps trying. Under a
    /// supervisor that restarts it (Kubernetes), a limit turns a node that can never join (a certificate its peers
    /// refuse, a wrong address) into a visible restart instead of a quiet wait.
    /// </summary>
    public double JoinTimeoutSeconds { get; init; }
    /// <summary>Akka remoting over TLS with mutual authentication (docs/security.md); absent: plain TCP.</summary>
    public TlsSection? Tls { get; init; }
}

/// <summary>
/// This node's certificate and key and the CA certificates it trusts, as PEM (docs/security.md). Every node presents
/// its certificate and accepts only peers whose certificate chains to a certificate of <see cref="Ca"/>. Each value is
/// a file path (a mounted Kubernetes Secret: tls.crt, tls.key, ca.crt) or the PEM text itself; a private key written
/// into the spec is redacted from the copy of the spec in every checkpoint manifest.
/// </summary>
public sealed record TlsSection
{
    /// <summary>This node's certificate (PEM), optionally followed by its intermediate CA certificates.</summary>
    public string Certificate { get; init; } = "";
    /// <summary>This node's private key (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 RSA or SEC1 EC).</summary>
    public string Key { get; init; } = "";
    /// <summary>The trusted CA certificates (PEM bundle); during a rotation, the old and the new CA.</summary>
    public string Ca { get; init; } = "";
    /// <summary>File holding the password of an encrypted key.</summary>
    public string KeyPasswordFile { get; init; } = "";
    /// <summary>Environment variable holding the password of an encrypted key.</summary>
    public string KeyPasswordEnv { get; init; } = "";
}

/// <summary>
/// Cluster bootstrap (Akka.Management): each node serves an HTTP management endpoint on cluster.hostname and
/// finds the others' through a discovery method; a node joins the cluster that a contact point reports, and the
/// lowest contact point forms one when none exists (docs/cluster.md, "Joining the cluster").
/// </summary>
public sealed record DiscoverySection
{
    /// <summary>
    /// Where contact points come from: config (the endpoints listed here) or kubernetes (the run's pods, listed
    /// through the Kubernetes API with the pod's service account; docs/deployment.md).
    /// </summary>
    public string Method { get; init; } = "config";
    /// <summary>Management endpoints (host:port) of the nodes, for method config.</summary>
    public List<string> Endpoints { get; init; } = [];
    /// <summary>
    /// kubernetes: label selector of the run's pods; empty selects orchestrator/run=&lt;run.name&gt;, the label the Helm
    /// chart puts on every pod of the run.
    /// </summary>
    public string PodLabelSelector { get; init; } = "";
    /// <summary>kubernetes: namespace whose pods are listed; empty: the pod's own, read from its service account.</summary>
    public string PodNamespace { get; init; } = "";
    /// <summary>kubernetes: name of the container port that carries the management endpoint; empty: management_port on every pod.</summary>
    public string ManagementPortName { get; init; } = "";
    /// <summary>Port of this node's management endpoint, bound to cluster.hostname.</summary>
    public int ManagementPort { get; init; } = 8558;
    /// <summary>Contact points that must be discovered and answer before a new cluster is formed.</summary>
    public int RequiredContactPoints { get; init; } = 2;
}

/// <summary>When checkpoints are written and which are kept.</summary>
public sealed record CheckpointSection
{
    /// <summary>Steps between checkpoints; the last step is always saved.</summary>
    public int EverySteps { get; init; } = 100;
    public int KeepLast { get; init; } = 3;
    /// <summary>
    /// The evaluation metric whose best checkpoint retention keeps (pinned as "best") beside the last keep_last:
    /// fid, frechet (the Frechet distance of eval.extractor, FID included), clip_score, or empty for none.
    /// Lower is better except for clip_score.
    /// </summary>
    public string KeepBestBy { get; init; } = "";
    /// <summary>Folder of step-N/ checkpoints; empty means output_dir/checkpoints.</summary>
    public string Dir { get; init; } = "";
    /// <summary>When set, the coordinator serves the checkpoints over HTTP to evaluator nodes.</summary>
    public CheckpointServeSection? Serve { get; init; }
}

/// <summary>
/// The read-only checkpoint HTTP service (docs/checkpoint-service.md). Its bearer token is read from
/// a file or an environment variable named here, never written in the spec: the spec's text is
/// copied into every checkpoint's manifest.
/// </summary>
public sealed record CheckpointServeSection
{
    /// <summary>An IP address to bind, localhost, or * for every interface.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>TCP port; 0 picks a free one.</summary>
    public int Port { get; init; } = 8470;
    /// <summary>File whose content (surrounding whitespace trimmed) is the bearer token.</summary>
    public string TokenFile { get; init; } = "";
    /// <summary>Environment variable that holds the bearer token.</summary>
    public string TokenEnv { get; init; } = "";
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
    /// <summary>When set, every process of the run serves its metrics for Prometheus to scrape (docs/telemetry.md).</summary>
    public PrometheusSection? Prometheus { get; init; }
}

/// <summary>The Prometheus scrape endpoint, GET /metrics, of each process of a run.</summary>
public sealed record PrometheusSection
{
    /// <summary>An IP address to bind, localhost, or * for every interface.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>TCP port; 0 picks a free one. Processes that share a host take --metrics-port.</summary>
    public int Port { get; init; } = 9464;
    /// <summary>At the end of a process, how long the endpoint waits for one more scrape, so that the last values (the final evaluation) reach Prometheus.</summary>
    public double FinalScrapeSeconds { get; init; } = 30;
}
