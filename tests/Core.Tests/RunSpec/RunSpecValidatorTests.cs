using Orchestrator.Core.RunSpec;

namespace Orchestrator.Core.Tests.RunSpec;

public sealed class RunSpecValidatorTests
{
    public static TheoryData<string, string, string, string> Cases => new()
    {
        // patch, key path, got, expected
        { "run: { name: \"\" }", "run.name", "\"\"", "a non-empty string" },
        { "run: { output_dir: \" \" }", "run.output_dir", "\" \"", "a non-empty string" },
        { "data: { train: [] }", "data.train", "an empty list", "at least one dataset" },
        { "data: { train: [ { shards: \"\" } ] }", "data.train[0].shards", "\"\"", "a non-empty string" },
        { "data: { train: [ { shards: a, weight: 0 } ] }", "data.train[0].weight", "0", "a number > 0" },
        { "data: { validation: [ { shards: a, weight: -1 } ] }", "data.validation[0].weight", "-1", "a number > 0" },
        { "data: { train: [ { shards: a, columns: { caption: \"\" } } ] }", "data.train[0].columns.caption", "\"\"", "a non-empty string" },
        { "data: { train: [ { shards: a, layout: webdataset } ] }", "data.train[0].layout", "\"webdataset\"", "one of img2dataset, video2dataset, frame-list" },
        { "data: { train: [ { shards: a, layout: video2dataset } ] }", "data.clip", "a (video2dataset) without data.clip", "data.clip: { frames, stride }" },
        { "data: { validation: [ { shards: v, layout: frame-list } ] }", "data.clip", "v (frame-list) without data.clip", "data.clip: { frames, stride }" },
        { "data: { train: [ { shards: a, columns: { video: \"\" } } ] }", "data.train[0].columns.video", "\"\"", "a non-empty string" },
        { "data: { train: [ { shards: a, columns: { frames: \"\" } } ] }", "data.train[0].columns.frames", "\"\"", "a non-empty string" },
        { "data: { clip: { frames: 0 } }", "data.clip.frames", "0", "an integer in [1, 1024]" },
        { "data: { decode_threads: 0 }", "data.decode_threads", "0", "an integer >= 1" },
        { "data: { prefetch_batches: -1 }", "data.prefetch_batches", "-1", "an integer >= 0" },
        { "data: { image_size: 4 }", "data.image_size", "4", "an integer >= 8" },
        { "data: { image_size: 20 }\nmodel: { channel_multipliers: [1, 2, 2, 2], attention_resolutions: [] }", "data.image_size", "20", "a multiple of 8" },
        { "data: { max_caption_tokens: 1 }", "data.max_caption_tokens", "1", "an integer in [2, 512]" },
        { "data: { max_caption_tokens: 513 }", "data.max_caption_tokens", "513", "an integer in [2, 512]" },
        { "data: { vocabulary_size: 15 }", "data.vocabulary_size", "15", "an integer in [16, 1048576]" },
        { "data: { vocabulary_size: 1048577 }", "data.vocabulary_size", "1048577", "an integer in [16, 1048576]" },
        { "data: { synthetic: { train_rows: 0 } }", "data.synthetic.train_rows", "0", "an integer >= 1" },
        { "data: { synthetic: { validation_rows: -1 } }", "data.synthetic.validation_rows", "-1", "an integer >= 0" },
        { "data: { synthetic: { rows_per_shard: 0, row_group_size: 1 } }", "data.synthetic.rows_per_shard", "0", "an integer >= 1" },
        { "data: { synthetic: { rows_per_shard: 10, row_group_size: 20 } }", "data.synthetic.row_group_size", "20", "an integer <= data.synthetic.rows_per_shard (10)" },
        { "data: { synthetic: { image_size: 7 } }", "data.synthetic.image_size", "7", "an integer >= 8" },
        { "data: { synthetic: { train_dir: \"\" } }", "data.synthetic.train_dir", "\"\"", "a non-empty string" },
        { "model: { kind: dit }", "model.kind", "\"dit\"", "one of unet2d" },
        { "model: { in_channels: 0 }", "model.in_channels", "0", "an integer >= 1" },
        { "model: { channel_multipliers: [] }", "model.channel_multipliers", "an empty list", "at least one multiplier" },
        { "model: { channel_multipliers: [1, 0] }", "model.channel_multipliers[1]", "0", "an integer >= 1" },
        { "model: { attention_resolutions: [0] }", "model.attention_resolutions[0]", "0", "an integer >= 1" },
        { "model: { attention_resolutions: [16, 12] }", "model.attention_resolutions[1]", "12", "one of 32, 16 (data.image_size halved per level)" },
        { "model: { base_channels: 4 }", "model.base_channels", "4", "an integer >= 8" },
        { "model: { base_channels: 12, attention_heads: 4 }", "model.base_channels", "12", "a multiple of 8" },
        { "model: { base_channels: 40, attention_heads: 16 }", "model.base_channels", "40", "a multiple of 16" },
        { "model: { attention_heads: 0 }", "model.attention_heads", "0", "an integer >= 1" },
        { "model: { res_blocks_per_level: 0 }", "model.res_blocks_per_level", "0", "an integer >= 1" },
        { "model: { text_encoder: { width: 66 } }", "model.text_encoder.width", "66", "a multiple of 4" },
        { "model: { text_encoder: { layers: 0 } }", "model.text_encoder.layers", "0", "an integer >= 1" },
        { "model: { text_encoder: { heads: 0 } }", "model.text_encoder.heads", "0", "an integer >= 1" },
        { "diffusion: { schedule: quadratic }", "diffusion.schedule", "\"quadratic\"", "one of linear, cosine" },
        { "diffusion: { timesteps: 1 }", "diffusion.timesteps", "1", "an integer in [2, 100000]" },
        { "diffusion: { timesteps: 100001 }", "diffusion.timesteps", "100001", "an integer in [2, 100000]" },
        { "diffusion: { prediction: v }", "diffusion.prediction", "\"v\"", "one of epsilon" },
        { "diffusion: { cfg_dropout: 1.5 }", "diffusion.cfg_dropout", "1.5", "a number in [0, 1]" },
        { "diffusion: { cfg_dropout: -0.1 }", "diffusion.cfg_dropout", "-0.1", "a number in [0, 1]" },
        { "diffusion: { ema_decay: 1 }", "diffusion.ema_decay", "1", "a number in [0, 1)" },
        { "train: { global_batch: 0 }", "train.global_batch", "0", "an integer >= 1" },
        { "train: { micro_batch: 0 }", "train.micro_batch", "0", "an integer >= 1" },
        { "train: { micro_batch: 5 }", "train.micro_batch", "5", "a divisor of 32" },
        { "train: { global_batch: 8, micro_batch: 8 }", "train.global_batch", "8 / 8 = 1 micro-batches", "at least 2 micro-batches" },
        { "train: { steps: -1 }", "train.steps", "-1", "an integer >= 0" },
        { "train: { epochs: -1 }", "train.epochs", "-1", "an integer >= 0" },
        { "train: { steps: 10, epochs: 2 }", "train.steps", "steps 10 and epochs 2", "steps > 0 with epochs 0, or epochs > 0 with steps 0" },
        { "train: { steps: 0 }", "train.steps", "steps 0 and epochs 0", "steps > 0 with epochs 0, or epochs > 0 with steps 0" },
        { "train: { optimizer: { lr: 0 } }", "train.optimizer.lr", "0", "a number > 0" },
        { "train: { optimizer: { betas: [0.9] } }", "train.optimizer.betas", "[0.9]", "two values" },
        { "train: { optimizer: { betas: [0.9, 1.0] } }", "train.optimizer.betas[1]", "1", "a number in [0, 1)" },
        { "train: { optimizer: { betas: [-0.1, 0.9] } }", "train.optimizer.betas[0]", "-0.1", "a number in [0, 1)" },
        { "train: { optimizer: { eps: 0 } }", "train.optimizer.eps", "0", "a number > 0" },
        { "train: { optimizer: { weight_decay: -0.01 } }", "train.optimizer.weight_decay", "-0.01", "a number >= 0" },
        { "train: { optimizer: { warmup_steps: -1 } }", "train.optimizer.warmup_steps", "-1", "an integer >= 0" },
        { "train: { grad_clip: -1 }", "train.grad_clip", "-1", "a number >= 0" },
        { "train: { intra_op_threads: 0 }", "train.intra_op_threads", "0", "an integer >= 1" },
        { "train: { device: tpu }", "train.device", "\"tpu\"", "one of auto, cpu, cuda" },
        { "cluster: { workers_per_node: 0 }", "cluster.workers_per_node", "0", "an integer >= 1" },
        { "cluster: { min_workers: 0 }", "cluster.min_workers", "0", "an integer >= 1" },
        { "cluster: { min_workers: 4, max_workers: 2 }", "cluster.max_workers", "2", "an integer >= 4" },
        { "cluster: { hostname: \"\" }", "cluster.hostname", "\"\"", "a non-empty string" },
        { "cluster: { port: 70000 }", "cluster.port", "70000", "an integer in [0, 65535]" },
        { "cluster: { collective_timeout_seconds: 0 }", "cluster.collective_timeout_seconds", "0", "a number > 0" },
        { "cluster: { data_plane_port: -1 }", "cluster.data_plane_port", "-1", "an integer in [0, 65535]" },
        { "cluster: { down_after_seconds: 0 }", "cluster.down_after_seconds", "0", "a number > 0" },
        { "cluster: { join_timeout_seconds: -1 }", "cluster.join_timeout_seconds", "-1", "a number >= 0" },
        { "cluster: { bucket_mib: 0 }", "cluster.bucket_mib", "0", "a number > 0" },
        { "cluster: { transfer_dtype: int8 }", "cluster.transfer_dtype", "\"int8\"", "one of float32, bfloat16, float16" },
        { "cluster: { seed_nodes: [ \"10.0.0.1:4053\" ] }", "cluster.seed_nodes[0]", "\"10.0.0.1:4053\"", "an address such as akka.tcp://" },
        { "cluster: { seed_nodes: [ \"akka.tcp://orchestrator@10.0.0.1:4053\" ], discovery: { endpoints: [ \"10.0.0.1:8558\" ], required_contact_points: 1 } }", "cluster.discovery", "1 seed nodes", "either seed_nodes or discovery, not both" },
        { "cluster: { seed_nodes: [ \"akka.ssl.tcp://orchestrator@10.0.0.1:4053\" ] }", "cluster.seed_nodes[0]", "\"akka.ssl.tcp://orchestrator@10.0.0.1:4053\"", "the scheme akka.tcp://" },
        { "cluster: { seed_nodes: [ \"akka.tcp://orchestrator@10.0.0.1:4053\" ], tls: { certificate: n.crt, key: n.key, ca: ca.crt } }", "cluster.seed_nodes[0]", "\"akka.tcp://orchestrator@10.0.0.1:4053\"", "the scheme akka.ssl.tcp://" },
        { "cluster: { tls: { certificate: \"\", key: n.key, ca: ca.crt } }", "cluster.tls.certificate", "\"\"", "a non-empty string" },
        { "cluster: { tls: { certificate: n.crt, ca: ca.crt } }", "cluster.tls.key", "\"\"", "a non-empty string" },
        { "cluster: { tls: { certificate: n.crt, key: n.key } }", "cluster.tls.ca", "\"\"", "a non-empty string" },
        { "cluster: { tls: { certificate: n.crt, key: n.key, ca: ca.crt, key_password_file: p, key_password_env: P } }", "cluster.tls.key_password_env", "\"P\"", "either key_password_file or key_password_env, not both" },
        { "cluster: { discovery: { method: dns, endpoints: [ \"10.0.0.1:8558\" ], required_contact_points: 1 } }", "cluster.discovery.method", "\"dns\"", "one of config" },
        { "cluster: { discovery: { endpoints: [] } }", "cluster.discovery.endpoints", "[]", "the management endpoints (host:port) of the nodes" },
        { "cluster: { discovery: { endpoints: [ \"10.0.0.1\" ], required_contact_points: 1 } }", "cluster.discovery.endpoints[0]", "\"10.0.0.1\"", "an endpoint such as 10.0.0.5:8558" },
        { "cluster: { discovery: { endpoints: [ \"10.0.0.1:0\" ], required_contact_points: 1 } }", "cluster.discovery.endpoints[0]", "\"10.0.0.1:0\"", "an endpoint such as 10.0.0.5:8558" },
        { "cluster: { discovery: { endpoints: [ \"10.0.0.1:8558\" ], required_contact_points: 1, management_port: 0 } }", "cluster.discovery.management_port", "0", "an integer in [1, 65535]" },
        { "cluster: { discovery: { endpoints: [ \"10.0.0.1:8558\" ], required_contact_points: 0 } }", "cluster.discovery.required_contact_points", "0", "an integer >= 1" },
        { "cluster: { discovery: { endpoints: [ \"10.0.0.1:8558\", \"10.0.0.2:8558\" ], required_contact_points: 3 } }", "cluster.discovery.required_contact_points", "3", "at most 2, the number of cluster.discovery.endpoints" },
        { "checkpoint: { every_steps: 0 }", "checkpoint.every_steps", "0", "an integer >= 1" },
        { "checkpoint: { keep_last: 0 }", "checkpoint.keep_last", "0", "an integer >= 1" },
        { "eval: { every_steps: -1 }", "eval.every_steps", "-1", "an integer >= 0" },
        { "eval: { every_steps: 10 }", "eval.prompts", "an empty list", "at least one prompt, or eval.every_steps: 0" },
        { "eval: { sampler: { kind: euler } }", "eval.sampler.kind", "\"euler\"", "one of ddim, ddpm" },
        { "eval: { sampler: { steps: 0 } }", "eval.sampler.steps", "0", "an integer >= 1" },
        { "eval: { sampler: { steps: 2000 } }", "eval.sampler.steps", "2000", "an integer in [1, 1000]" },
        { "eval: { sampler: { guidance: -1 } }", "eval.sampler.guidance", "-1", "a number >= 0" },
        { "eval: { sampler: { eta: 1.5 } }", "eval.sampler.eta", "1.5", "a number in [0, 1]" },
        { "eval: { frechet_samples: 1 }", "eval.frechet_samples", "1", "an integer >= 2" },
        { "telemetry: { otlp_protocol: http }", "telemetry.otlp_protocol", "\"http\"", "one of grpc, http/protobuf" },
        { "telemetry: { otlp_endpoint: \"localhost:4317\" }", "telemetry.otlp_endpoint", "\"localhost:4317\"", "an absolute URI" },
        { "telemetry: { otlp_endpoint: \"ftp://collector\" }", "telemetry.otlp_endpoint", "\"ftp://collector\"", "an absolute URI" },
        { "telemetry: { prometheus: { host: example.org } }", "telemetry.prometheus.host", "\"example.org\"", "an IP address" },
        { "telemetry: { prometheus: { port: 65536 } }", "telemetry.prometheus.port", "65536", "an integer in [0, 65535]" },
        { "telemetry: { prometheus: { final_scrape_seconds: -1 } }", "telemetry.prometheus.final_scrape_seconds", "-1", "a number >= 0" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Out_of_range_value_is_reported_with_path_value_and_expectation(string patch, string path, string got, string expected)
    {
        var yaml = SpecDocuments.With(patch);

        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(yaml, "range.yaml"));

        var message = Assert.Single(e.Errors, m => m.StartsWith($"range.yaml: {path}: ", StringComparison.Ordinal));
        Assert.Contains($", got {got}; expected ", message);
        Assert.Contains(expected, message[message.IndexOf("; expected ", StringComparison.Ordinal)..]);
        Assert.Single(e.Errors);
    }

    [Theory]
    [InlineData("eval: { every_steps: 0 }")]
    [InlineData("eval: { every_steps: 10, prompts: [\"a cat\"] }")]
    [InlineData("telemetry: { otlp_endpoint: \"https://collector:4318/v1\" }")]
    [InlineData("telemetry: { prometheus: { host: \"*\", port: 0, final_scrape_seconds: 0 } }")]
    [InlineData("cluster: { seed_nodes: [ \"akka.tcp://orchestrator@10.0.0.1:4053\" ] }")]
    [InlineData("cluster: { seed_nodes: [ \"akka.ssl.tcp://orchestrator@10.0.0.1:4053\" ], tls: { certificate: n.crt, key: n.key, ca: ca.crt, key_password_env: P } }")]
    [InlineData("cluster: { discovery: { method: config, endpoints: [ \"10.0.0.1:8558\", \"coordinator.local:65535\" ], management_port: 1, required_contact_points: 2 } }")]
    [InlineData("train: { steps: 0, epochs: 1 }")]
    [InlineData("diffusion: { cfg_dropout: 1, ema_decay: 0 }")]
    [InlineData("eval: { sampler: { steps: 1000, eta: 1 } }")]
    [InlineData("data: { train: [ { shards: a, layout: video2dataset, weight: 3 }, { shards: b } ], clip: { frames: 1 } }")]
    [InlineData("data: { train: [ { shards: a, layout: frame-list, columns: { frames: jpgs } } ], clip: { frames: 8, stride: 2 } }\nmodel: { kind: video-unet, init_from: runs/image/checkpoints/step-00000700 }")]
    public void Values_at_the_edges_of_their_ranges_are_accepted(string patch)
    {
        RunSpecLoader.Parse(SpecDocuments.With(patch), "edge.yaml");
    }

    [Fact]
    public void Specs_built_in_code_are_validated_without_lines()
    {
        var spec = new Orchestrator.Core.RunSpec.RunSpec { Train = new TrainSection { Steps = 1 } };

        var e = Assert.Throws<RunSpecException>(() => RunSpecValidator.Validate(spec, "code"));

        Assert.Equal(
            "code: data.train: no training data, got an empty list; expected at least one dataset, such as - shards: data/train",
            Assert.Single(e.Errors));
    }
}
