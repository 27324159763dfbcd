using System.Globalization;

namespace Orchestrator.Core.RunSpec;

/// <summary>
/// Semantic checks of a bound run spec: ranges and relations between keys that the types alone do
/// not express. Every problem is reported, together, in a <see cref="RunSpecException"/>.
/// </summary>
/// <remarks>
/// Evaluation counts as used when <c>eval.every_steps</c> is above 0; then <c>eval.prompts</c> must
/// not be empty. With every_steps 0 the last checkpoint is evaluated only if prompts are given.
/// </remarks>
public static class RunSpecValidator
{
    private static readonly IReadOnlyDictionary<string, int> NoLines = new Dictionary<string, int>();

    /// <summary>Throws a <see cref="RunSpecException"/> naming every out-of-range value.</summary>
    public static void Validate(RunSpec spec, string sourceName) => Validate(spec, sourceName, NoLines);

    internal static void Validate(RunSpec spec, string sourceName, IReadOnlyDictionary<string, int> lines)
    {
        var e = new RunSpecErrors(sourceName, lines);
        CheckRun(spec.Run, e);
        CheckData(spec.Data, spec.Model, e);
        CheckModel(spec.Model, spec.Data.ImageSize, e);
        CheckDiffusion(spec.Diffusion, e);
        CheckTrain(spec.Train, spec.Cluster, e);
        CheckCluster(spec.Cluster, spec.Run.Name, e);
        CheckCheckpoint(spec.Checkpoint, e);
        CheckEval(spec.Eval, spec.Diffusion, e);
        CheckTelemetry(spec.Telemetry, e);
        e.ThrowIfAny();
    }

    private static void CheckRun(RunSection run, RunSpecErrors e)
    {
        NotBlank(e, "run.name", run.Name);
        NotBlank(e, "run.output_dir", run.OutputDir);
    }

    private static void CheckData(DataSection data, ModelSection model, RunSpecErrors e)
    {
        if (data.Train.Count == 0)
        {
            e.Add("data.train", "no training data", "an empty list", "at least one dataset, such as - shards: data/train");
        }

        CheckSources(e, "data.train", data.Train);
        CheckSources(e, "data.validation", data.Validation);
        AtLeast(e, "data.decode_threads", data.DecodeThreads, 1);
        AtLeast(e, "data.prefetch_batches", data.PrefetchBatches, 0);
        if (AtLeast(e, "data.image_size", data.ImageSize, 8) && model.ChannelMultipliers.Count is > 0 and < 31)
        {
            // Each level after the first halves the feature map, so the side must halve evenly.
            var factor = 1 << (model.ChannelMultipliers.Count - 1);
            if (data.ImageSize % factor != 0)
            {
                e.Add("data.image_size", "not divisible by 2^(levels-1)", Show(data.ImageSize),
                    $"a multiple of {Show(factor)} (model.channel_multipliers has {Show(model.ChannelMultipliers.Count)} levels)");
            }
        }

        Between(e, "data.max_caption_tokens", data.MaxCaptionTokens, 2, 512);
        Between(e, "data.vocabulary_size", data.VocabularySize, 16, 1 << 20);
        if (data.Synthetic is { } s)
        {
            NotBlank(e, "data.synthetic.train_dir", s.TrainDir);
            NotBlank(e, "data.synthetic.validation_dir", s.ValidationDir);
            AtLeast(e, "data.synthetic.train_rows", s.TrainRows, 1);
            AtLeast(e, "data.synthetic.validation_rows", s.ValidationRows, 0);
            AtLeast(e, "data.synthetic.rows_per_shard", s.RowsPerShard, 1);
            if (AtLeast(e, "data.synthetic.row_group_size", s.RowGroupSize, 1) && s.RowsPerShard >= 1
                && s.RowGroupSize > s.RowsPerShard)
            {
                e.Add("data.synthetic.row_group_size", "larger than a shard", Show(s.RowGroupSize),
                    $"an integer <= data.synthetic.rows_per_shard ({Show(s.RowsPerShard)})");
            }

            AtLeast(e, "data.synthetic.image_size", s.ImageSize, 8);
            if (s.Video is { } v)
            {
                Between(e, "data.synthetic.video.frames", v.Frames, 1, 1024);
                Between(e, "data.synthetic.video.fps", v.Fps, 1, 240);
            }
        }

        if (data.Clip is null && data.Train.Concat(data.Validation).FirstOrDefault(d => d.IsVideo) is { } video)
        {
            e.Add("data.clip", "not set while a dataset is a video layout", $"{video.Shards} ({video.Layout}) without data.clip",
                "data.clip: { frames, stride } to say how clips are cut (docs/video.md)");
        }

        if (data.Clip is { } clip)
        {
            Between(e, "data.clip.frames", clip.Frames, 1, 1024);
            Between(e, "data.clip.stride", clip.Stride, 1, 1024);
            Interval(e, "data.clip.fps", clip.Fps, 0, 1000, maxInclusive: true);
        }
    }

    private static void CheckSources(RunSpecErrors e, string path, List<DatasetSource> sources)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            var at = $"{path}[{Show(i)}]";
            var source = sources[i];
            NotBlank(e, at + ".shards", source.Shards);
            OneOf(e, at + ".layout", source.Layout, "img2dataset", "video2dataset", "frame-list");
            NotBlank(e, at + ".columns.key", source.Columns.Key);
            NotBlank(e, at + ".columns.caption", source.Columns.Caption);
            NotBlank(e, at + ".columns.image", source.Columns.Image);
            NotBlank(e, at + ".columns.video", source.Columns.Video);
            NotBlank(e, at + ".columns.frames", source.Columns.Frames);
            Positive(e, at + ".weight", source.Weight);
            var filters = source.Filters;
            if (filters.MinWidth is { } minWidth)
            {
                AtLeast(e, at + ".filters.min_width", minWidth, 1);
            }

            if (filters.MinHeight is { } minHeight)
            {
                AtLeast(e, at + ".filters.min_height", minHeight, 1);
            }

            if (filters.Status is { } status)
            {
                NotBlank(e, at + ".filters.status", status);
            }
        }
    }

    private static void CheckModel(ModelSection model, int imageSize, RunSpecErrors e)
    {
        OneOf(e, "model.kind", model.Kind, "unet2d", "video-unet");
        AtLeast(e, "model.in_channels", model.InChannels, 1);
        var headsOk = AtLeast(e, "model.attention_heads", model.AttentionHeads, 1);
        if (AtLeast(e, "model.base_channels", model.BaseChannels, 8))
        {
            // GroupNorm here uses 8 channels a group at least (Wu and He, 2018: 32 groups, fewer for narrow layers).
            if (model.BaseChannels % 8 != 0)
            {
                e.Add("model.base_channels", "not divisible by 8 (GroupNorm groups)", Show(model.BaseChannels), "a multiple of 8");
            }

            if (headsOk && model.BaseChannels % model.AttentionHeads != 0)
            {
                e.Add("model.base_channels", "not divisible by model.attention_heads", Show(model.BaseChannels),
                    $"a multiple of {Show(model.AttentionHeads)}");
            }
        }

        if (model.ChannelMultipliers.Count == 0)
        {
            e.Add("model.channel_multipliers", "no levels", "an empty list", "at least one multiplier, such as [1, 2]");
        }

        for (var i = 0; i < model.ChannelMultipliers.Count; i++)
        {
            AtLeast(e, $"model.channel_multipliers[{Show(i)}]", model.ChannelMultipliers[i], 1);
        }

        CheckAttentionResolutions(model, imageSize, e);

        AtLeast(e, "model.res_blocks_per_level", model.ResBlocksPerLevel, 1);
        var encoder = model.TextEncoder;
        AtLeast(e, "model.text_encoder.layers", encoder.Layers, 1);
        if (AtLeast(e, "model.text_encoder.heads", encoder.Heads, 1)
            && AtLeast(e, "model.text_encoder.width", encoder.Width, 1)
            && encoder.Width % encoder.Heads != 0)
        {
            e.Add("model.text_encoder.width", "not divisible by model.text_encoder.heads", Show(encoder.Width),
                $"a multiple of {Show(encoder.Heads)}");
        }
    }

    /// <summary>Each attention side must be the side of some level, or attention there would silently never run.</summary>
    private static void CheckAttentionResolutions(ModelSection model, int imageSize, RunSpecErrors e)
    {
        var levels = model.ChannelMultipliers.Count;
        var sides = imageSize >= 8 && levels is > 0 and < 31
            ? Enumerable.Range(0, levels).Select(level => imageSize >> level).Where(side => side > 0).ToArray()
            : null;
        for (var i = 0; i < model.AttentionResolutions.Count; i++)
        {
            var path = $"model.attention_resolutions[{Show(i)}]";
            var side = model.AttentionResolutions[i];
            if (AtLeast(e, path, side, 1) && sides is not null && !sides.Contains(side))
            {
                e.Add(path, "not the feature-map side of any level", Show(side),
                    $"one of {string.Join(", ", sides.Select(Show))} (data.image_size halved per level)");
            }
        }
    }

    private static void CheckDiffusion(DiffusionSection diffusion, RunSpecErrors e)
    {
        OneOf(e, "diffusion.schedule", diffusion.Schedule, "linear", "cosine");
        Between(e, "diffusion.timesteps", diffusion.Timesteps, 2, 100_000);
        OneOf(e, "diffusion.prediction", diffusion.Prediction, "epsilon");
        Interval(e, "diffusion.cfg_dropout", diffusion.CfgDropout, 0, 1, maxInclusive: true);
        Interval(e, "diffusion.ema_decay", diffusion.EmaDecay, 0, 1, maxInclusive: false);
    }

    private static void CheckTrain(TrainSection train, ClusterSection cluster, RunSpecErrors e)
    {
        var globalOk = AtLeast(e, "train.global_batch", train.GlobalBatch, 1);
        var microOk = AtLeast(e, "train.micro_batch", train.MicroBatch, 1);
        if (globalOk && microOk)
        {
            if (train.GlobalBatch % train.MicroBatch != 0)
            {
                e.Add("train.micro_batch", "does not divide train.global_batch", Show(train.MicroBatch),
                    $"a divisor of {Show(train.GlobalBatch)}");
            }
            else if (cluster.WorkersPerNode >= 1 && train.GlobalBatch / train.MicroBatch < cluster.WorkersPerNode)
            {
                // Every worker of a node needs at least one micro-batch of each step.
                e.Add("train.global_batch", "fewer micro-batches than cluster.workers_per_node",
                    $"{Show(train.GlobalBatch)} / {Show(train.MicroBatch)} = {Show(train.GlobalBatch / train.MicroBatch)} micro-batches",
                    $"at least {Show(cluster.WorkersPerNode)} micro-batches");
            }
        }

        var stepsOk = AtLeast(e, "train.steps", train.Steps, 0);
        var epochsOk = AtLeast(e, "train.epochs", train.Epochs, 0);
        if (stepsOk && epochsOk && (train.Steps > 0) == (train.Epochs > 0))
        {
            e.Add("train.steps", "exactly one of train.steps and train.epochs must be above 0",
                $"steps {Show(train.Steps)} and epochs {Show(train.Epochs)}", "steps > 0 with epochs 0, or epochs > 0 with steps 0");
        }

        var optimizer = train.Optimizer;
        Positive(e, "train.optimizer.lr", optimizer.Lr);
        if (optimizer.Betas.Count != 2)
        {
            e.Add("train.optimizer.betas", "wrong number of values", Show(optimizer.Betas), "two values, such as [0.9, 0.999]");
        }

        for (var i = 0; i < optimizer.Betas.Count; i++)
        {
            Interval(e, $"train.optimizer.betas[{Show(i)}]", optimizer.Betas[i], 0, 1, maxInclusive: false);
        }

        Positive(e, "train.optimizer.eps", optimizer.Eps);
        AtLeast(e, "train.optimizer.weight_decay", optimizer.WeightDecay, 0);
        AtLeast(e, "train.optimizer.warmup_steps", optimizer.WarmupSteps, 0);
        AtLeast(e, "train.grad_clip", train.GradClip, 0);
        AtLeast(e, "train.intra_op_threads", train.IntraOpThreads, 1);
        OneOf(e, "train.device", train.Device, "auto", "cpu", "cuda");
    }

    private static void CheckCluster(ClusterSection cluster, string runName, RunSpecErrors e)
    {
        AtLeast(e, "cluster.workers_per_node", cluster.WorkersPerNode, 1);
        if (AtLeast(e, "cluster.min_workers", cluster.MinWorkers, 1) && cluster.MaxWorkers < cluster.MinWorkers)
        {
            e.Add("cluster.max_workers", "below cluster.min_workers", Show(cluster.MaxWorkers),
                $"an integer >= {Show(cluster.MinWorkers)}");
        }

        NotBlank(e, "cluster.hostname", cluster.Hostname);
        Between(e, "cluster.port", cluster.Port, 0, 65535);
        Positive(e, "cluster.collective_timeout_seconds", cluster.CollectiveTimeoutSeconds);
        Between(e, "cluster.data_plane_port", cluster.DataPlanePort, 0, 65535);
        Positive(e, "cluster.bucket_mib", cluster.BucketMib);
        OneOf(e, "cluster.transfer_dtype", cluster.TransferDtype, "float32", "bfloat16", "float16");
        Positive(e, "cluster.down_after_seconds", cluster.DownAfterSeconds);
        AtLeast(e, "cluster.join_timeout_seconds", cluster.JoinTimeoutSeconds, 0);
        // With TLS the remoting transport's scheme is akka.ssl.tcp, and a node dials only addresses of its own scheme.
        string scheme = cluster.Tls is null ? "akka.tcp" : "akka.ssl.tcp";
        for (var i = 0; i < cluster.SeedNodes.Count; i++)
        {
            var node = cluster.SeedNodes[i];
            if (!Uri.TryCreate(node, UriKind.Absolute, out var uri) || !uri.Scheme.StartsWith("akka", StringComparison.Ordinal)
                || uri.UserInfo.Length == 0 || uri.Port <= 0)
            {
                e.Add($"cluster.seed_nodes[{Show(i)}]", "not an Akka address", Show(node),
                    $"an address such as {scheme}://orchestrator@10.0.0.1:4053");
            }
            else if (uri.Scheme != scheme)
            {
                e.Add($"cluster.seed_nodes[{Show(i)}]", cluster.Tls is null ? "a TLS address without cluster.tls" : "a plain address with cluster.tls set",
                    Show(node), $"the scheme {scheme}://");
            }
        }
        if (cluster.Tls is { } tls)
        {
            CheckTls(tls, e);
        }
        if (cluster.Discovery is { } discovery)
        {
            CheckDiscovery(discovery, cluster.SeedNodes.Count, runName, e);
        }
    }

    private static void CheckTls(TlsSection tls, RunSpecErrors e)
    {
        NotBlank(e, "cluster.tls.certificate", tls.Certificate);
        NotBlank(e, "cluster.tls.key", tls.Key);
        NotBlank(e, "cluster.tls.ca", tls.Ca);
        if (tls.KeyPasswordFile.Length > 0 && tls.KeyPasswordEnv.Length > 0)
        {
            e.Add("cluster.tls.key_password_env", "set together with cluster.tls.key_password_file", Show(tls.KeyPasswordEnv),
                "either key_password_file or key_password_env, not both");
        }
    }

    private static void CheckDiscovery(DiscoverySection discovery, int seedNodes, string runName, RunSpecErrors e)
    {
        if (seedNodes > 0)
        {
            e.Add("cluster.discovery", "set together with cluster.seed_nodes", $"{Show(seedNodes)} seed nodes",
                "either seed_nodes or discovery, not both");
        }
        OneOf(e, "cluster.discovery.method", discovery.Method, "config", "kubernetes");
        if (discovery.Method == "config")
        {
            CheckConfigDiscovery(discovery, e);
        }
        else if (discovery.Method == "kubernetes")
        {
            CheckKubernetesDiscovery(discovery, runName, e);
        }
        // A node finds itself among the contact points by its own endpoint, so the port must be known in advance.
        Between(e, "cluster.discovery.management_port", discovery.ManagementPort, 1, 65535);
        AtLeast(e, "cluster.discovery.required_contact_points", discovery.RequiredContactPoints, 1);
    }

    private static void CheckConfigDiscovery(DiscoverySection discovery, RunSpecErrors e)
    {
        if (discovery.Endpoints.Count == 0)
        {
            e.Add("cluster.discovery.endpoints", "empty", "[]", "the management endpoints (host:port) of the nodes, for method config");
        }
        for (var i = 0; i < discovery.Endpoints.Count; i++)
        {
            string endpoint = discovery.Endpoints[i];
            int colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                || port is < 1 or > 65535)
            {
                e.Add($"cluster.discovery.endpoints[{Show(i)}]", "not a host:port", Show(endpoint), "an endpoint such as 10.0.0.5:8558");
            }
        }
        if (discovery.Endpoints.Count > 0 && discovery.RequiredContactPoints > discovery.Endpoints.Count)
        {
            e.Add("cluster.discovery.required_contact_points", "more than the endpoints listed", Show(discovery.RequiredContactPoints),
                $"at most {Show(discovery.Endpoints.Count)}, the number of cluster.discovery.endpoints");
        }
        foreach (var (key, value) in KubernetesKeys(discovery).Where(k => k.Value.Length > 0))
        {
            e.Add($"cluster.discovery.{key}", "set while cluster.discovery.method is config", Show(value),
                "no value: it is read only by method kubernetes");
        }
    }

    private static void CheckKubernetesDiscovery(DiscoverySection discovery, string runName, RunSpecErrors e)
    {
        if (discovery.Endpoints.Count > 0)
        {
            e.Add("cluster.discovery.endpoints", "set while cluster.discovery.method is kubernetes",
                $"a list of {Show(discovery.Endpoints.Count)} endpoints", "no endpoints: the pods are found through the Kubernetes API");
        }
        if (discovery.PodLabelSelector.Length > 0 && !KubernetesNames.IsLabelSelector(discovery.PodLabelSelector))
        {
            e.Add("cluster.discovery.pod_label_selector", "not a Kubernetes label selector", Show(discovery.PodLabelSelector),
                "requirements such as app.kubernetes.io/instance=run-1,orchestrator/run=run-1 (key=value, key!=value, key in (a, b), key, !key)");
        }
        else if (discovery.PodLabelSelector.Length == 0 && !KubernetesNames.IsLabelValue(runName))
        {
            e.Add("cluster.discovery.pod_label_selector", "empty while run.name is not a Kubernetes label value", Show(runName),
                $"a run.name of at most 63 letters, digits, '-', '_' or '.' (the pods are selected by {KubernetesNames.RunLabel}=<run.name>), or a pod_label_selector");
        }
        if (discovery.PodNamespace.Length > 0 && !KubernetesNames.IsNamespace(discovery.PodNamespace))
        {
            e.Add("cluster.discovery.pod_namespace", "not a Kubernetes namespace", Show(discovery.PodNamespace),
                "empty (the pod's own namespace) or at most 63 lower-case letters, digits and '-', such as ml-runs");
        }
        if (discovery.ManagementPortName.Length > 0 && !KubernetesNames.IsPortName(discovery.ManagementPortName))
        {
            e.Add("cluster.discovery.management_port_name", "not a Kubernetes port name", Show(discovery.ManagementPortName),
                "empty (management_port on every pod) or at most 15 lower-case letters, digits and single '-', such as management");
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> KubernetesKeys(DiscoverySection discovery) =>
    [
        new("pod_label_selector", discovery.PodLabelSelector),
        new("pod_namespace", discovery.PodNamespace),
        new("management_port_name", discovery.ManagementPortName),
    ];

    private static void CheckCheckpoint(CheckpointSection checkpoint, RunSpecErrors e)
    {
        AtLeast(e, "checkpoint.every_steps", checkpoint.EverySteps, 1);
        AtLeast(e, "checkpoint.keep_last", checkpoint.KeepLast, 1);
        if (checkpoint.KeepBestBy is not ("" or "fid" or "frechet" or "clip_score"))
        {
            e.Add("checkpoint.keep_best_by", "unknown metric", Show(checkpoint.KeepBestBy),
                "fid, frechet, clip_score, or empty to keep no best checkpoint");
        }
        if (checkpoint.Serve is { } serve)
        {
            ListenAddress(e, "checkpoint.serve", serve.Host, serve.Port);
            if ((serve.TokenFile.Length > 0) == (serve.TokenEnv.Length > 0))
            {
                e.Add("checkpoint.serve", "needs exactly one source of the bearer token",
                    $"token_file {Show(serve.TokenFile)} and token_env {Show(serve.TokenEnv)}",
                    "token_file (a file holding the token) or token_env (an environment variable holding it)");
            }
        }
    }

    private static void CheckEval(EvalSection eval, DiffusionSection diffusion, RunSpecErrors e)
    {
        if (AtLeast(e, "eval.every_steps", eval.EverySteps, 0) && eval.EverySteps > 0 && eval.Prompts.Count == 0)
        {
            e.Add("eval.prompts", "no prompts while evaluation is on (eval.every_steps > 0)", "an empty list",
                "at least one prompt, or eval.every_steps: 0");
        }

        var sampler = eval.Sampler;
        OneOf(e, "eval.sampler.kind", sampler.Kind, "ddim", "ddpm");
        if (AtLeast(e, "eval.sampler.steps", sampler.Steps, 1) && diffusion.Timesteps >= 2 && sampler.Steps > diffusion.Timesteps)
        {
            e.Add("eval.sampler.steps", "more sampling steps than diffusion.timesteps", Show(sampler.Steps),
                $"an integer in [1, {Show(diffusion.Timesteps)}]");
        }

        AtLeast(e, "eval.sampler.guidance", sampler.Guidance, 0);
        Interval(e, "eval.sampler.eta", sampler.Eta, 0, 1, maxInclusive: true);
        AtLeast(e, "eval.frechet_samples", eval.FrechetSamples, 2);
        OneOf(e, "eval.extractor", eval.Extractor, "auto", "inception", "resnet18", "random-conv");
        if (eval.Extractor == "inception" && eval.InceptionWeights.Length == 0)
        {
            e.Add("eval.inception_weights", "no Inception weights while eval.extractor is inception", "an empty path",
                "the safetensors file tools/convert_pt_inception.py writes (docs/evaluation.md), or eval.extractor: auto");
        }
    }

    private static void CheckTelemetry(TelemetrySection telemetry, RunSpecErrors e)
    {
        OneOf(e, "telemetry.otlp_protocol", telemetry.OtlpProtocol, "grpc", "http/protobuf");
        if (telemetry.OtlpEndpoint.Length > 0
            && !(Uri.TryCreate(telemetry.OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            e.Add("telemetry.otlp_endpoint", "not an http(s) URI", Show(telemetry.OtlpEndpoint),
                "empty (no OTLP export) or an absolute URI such as http://127.0.0.1:4317");
        }
        if (telemetry.Prometheus is { } prometheus)
        {
            ListenAddress(e, "telemetry.prometheus", prometheus.Host, prometheus.Port);
            AtLeast(e, "telemetry.prometheus.final_scrape_seconds", prometheus.FinalScrapeSeconds, 0);
        }
    }

    // Host and port of an HTTP server the process binds (the checkpoint service, the metrics endpoint).
    private static void ListenAddress(RunSpecErrors e, string section, string host, int port)
    {
        if (host is not ("localhost" or "*") && !System.Net.IPAddress.TryParse(host, out _))
        {
            e.Add($"{section}.host", "not an address to bind", Show(host),
                "an IP address (such as 127.0.0.1 or 0.0.0.0), localhost, or * for every interface");
        }

        Between(e, $"{section}.port", port, 0, 65535);
    }

    private static bool AtLeast(RunSpecErrors e, string path, long value, long min)
    {
        if (value >= min)
        {
            return true;
        }

        e.Add(path, "out of range", Show(value), $"an integer >= {Show(min)}");
        return false;
    }

    private static void AtLeast(RunSpecErrors e, string path, double value, double min)
    {
        if (!(value >= min))
        {
            e.Add(path, "out of range", Show(value), $"a number >= {Show(min)}");
        }
    }

    private static void Between(RunSpecErrors e, string path, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            e.Add(path, "out of range", Show(value), $"an integer in [{Show(min)}, {Show(max)}]");
        }
    }

    private static void Positive(RunSpecErrors e, string path, double value)
    {
        if (!(value > 0))
        {
            e.Add(path, "out of range", Show(value), "a number > 0");
        }
    }

    private static void Interval(RunSpecErrors e, string path, double value, double min, double max, bool maxInclusive)
    {
        if (!(value >= min && (maxInclusive ? value <= max : value < max)))
        {
            e.Add(path, "out of range", Show(value), $"a number in [{Show(min)}, {Show(max)}{(maxInclusive ? "]" : ")")}");
        }
    }

    private static void OneOf(RunSpecErrors e, string path, string value, params string[] allowed)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            e.Add(path, "unknown value", Show(value), "one of " + string.Join(", ", allowed));
        }
    }

    private static void NotBlank(RunSpecErrors e, string path, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            e.Add(path, "empty", Show(value), "a non-empty string");
        }
    }

    private static string Show(object value) => RunSpecErrors.Show(value);

    private static string Show(int value) => value.ToString(CultureInfo.InvariantCulture);
}
