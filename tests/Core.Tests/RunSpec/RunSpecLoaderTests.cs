using Orchestrator.Core.RunSpec;

namespace Orchestrator.Core.Tests.RunSpec;

public sealed class RunSpecLoaderTests
{
    [Fact]
    public void Full_spec_binds_every_field()
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.Full, "full.yaml");

        Assert.Equal("full-run", spec.Run.Name);
        Assert.Equal(1234567890123L, spec.Run.Seed);
        Assert.Equal("out/full", spec.Run.OutputDir);

        var data = spec.Data;
        Assert.Equal(2, data.Train.Count);
        Assert.Equal("data/a/*.parquet", data.Train[0].Shards);
        Assert.Equal("video2dataset", data.Train[0].Layout);
        Assert.True(data.Train[0].IsVideo);
        Assert.Equal("webm", data.Train[0].Columns.Video);
        Assert.Equal("jpgs", data.Train[0].Columns.Frames);
        Assert.Equal("id", data.Train[0].Columns.Key);
        Assert.Equal("TEXT", data.Train[0].Columns.Caption);
        Assert.Equal("png", data.Train[0].Columns.Image);
        Assert.Equal(2.5, data.Train[0].Weight);
        Assert.Equal("data/b", data.Train[1].Shards);
        Assert.Equal("img2dataset", data.Train[1].Layout);
        Assert.Equal("jpg", data.Train[1].Columns.Image);
        Assert.Equal("mp4", data.Train[1].Columns.Video);
        Assert.False(data.Train[1].IsVideo);
        var clip = Assert.IsType<ClipSection>(data.Clip);
        Assert.Equal((4, 2, 12.5, false), (clip.Frames, clip.Stride, clip.Fps, clip.Pad));
        Assert.Equal(4, data.SampleFrames);
        Assert.Equal(1.0, data.Train[1].Weight);
        Assert.Equal("data/val", Assert.Single(data.Validation).Shards);
        Assert.Equal(0.5, data.Validation[0].Weight);
        Assert.Equal(3, data.DecodeThreads);
        Assert.Equal(0, data.PrefetchBatches);
        Assert.Equal(64, data.ImageSize);
        Assert.Equal(24, data.MaxCaptionTokens);
        Assert.Equal(4096, data.VocabularySize);
        var synthetic = Assert.IsType<SyntheticDataSection>(data.Synthetic);
        Assert.Equal("syn/train", synthetic.TrainDir);
        Assert.Equal("syn/val", synthetic.ValidationDir);
        Assert.Equal(100, synthetic.TrainRows);
        Assert.Equal(10, synthetic.ValidationRows);
        Assert.Equal(50, synthetic.RowsPerShard);
        Assert.Equal(25, synthetic.RowGroupSize);
        Assert.Equal(48, synthetic.ImageSize);
        Assert.Equal(9L, synthetic.Seed);

        var model = spec.Model;
        Assert.Equal("unet2d", model.Kind);
        Assert.Equal(4, model.InChannels);
        Assert.Equal(64, model.BaseChannels);
        Assert.Equal([1, 2, 4], model.ChannelMultipliers);
        Assert.Equal([32, 16], model.AttentionResolutions);
        Assert.Equal(2, model.ResBlocksPerLevel);
        Assert.Equal(8, model.AttentionHeads);
        Assert.Equal(128, model.TextEncoder.Width);
        Assert.Equal(3, model.TextEncoder.Layers);
        Assert.Equal(8, model.TextEncoder.Heads);
        Assert.Equal("runs/image/checkpoints/step-00000700", model.InitFrom);

        Assert.Equal("cosine", spec.Diffusion.Schedule);
        Assert.Equal(500, spec.Diffusion.Timesteps);
        Assert.Equal("epsilon", spec.Diffusion.Prediction);
        Assert.Equal(0.2, spec.Diffusion.CfgDropout);
        Assert.Equal(0.9999, spec.Diffusion.EmaDecay);

        var train = spec.Train;
        Assert.Equal(64, train.GlobalBatch);
        Assert.Equal(4, train.MicroBatch);
        Assert.Equal(0, train.Steps);
        Assert.Equal(3, train.Epochs);
        Assert.Equal(2.5e-4, train.Optimizer.Lr);
        Assert.Equal([0.95, 0.98], train.Optimizer.Betas);
        Assert.Equal(1e-6, train.Optimizer.Eps);
        Assert.Equal(0.0, train.Optimizer.WeightDecay);
        Assert.Equal(50, train.Optimizer.WarmupSteps);
        Assert.False(train.Deterministic);
        Assert.Equal(0.5, train.GradClip);
        Assert.Equal(2, train.IntraOpThreads);
        Assert.Equal("cpu", train.Device);

        var cluster = spec.Cluster;
        Assert.Equal(4, cluster.WorkersPerNode);
        Assert.Equal(2, cluster.MinWorkers);
        Assert.Equal(8, cluster.MaxWorkers);
        Assert.Equal(["akka.tcp://orchestrator@10.0.0.1:4053", "akka.tcp://orchestrator@10.0.0.2:4053"], cluster.SeedNodes);
        Assert.Equal("10.0.0.1", cluster.Hostname);
        Assert.Equal(4053, cluster.Port);
        Assert.Equal(30.5, cluster.CollectiveTimeoutSeconds);

        Assert.Equal(250, spec.Checkpoint.EverySteps);
        Assert.Equal(5, spec.Checkpoint.KeepLast);
        Assert.Equal("ckpt", spec.Checkpoint.Dir);

        Assert.Equal(500, spec.Eval.EverySteps);
        Assert.Equal(["a red square", "a blue circle"], spec.Eval.Prompts);
        Assert.Equal(77L, spec.Eval.Seed);
        Assert.Equal("ddpm", spec.Eval.Sampler.Kind);
        Assert.Equal(100, spec.Eval.Sampler.Steps);
        Assert.Equal(5.5, spec.Eval.Sampler.Guidance);
        Assert.Equal(0.5, spec.Eval.Sampler.Eta);
        Assert.Equal(128, spec.Eval.FrechetSamples);

        Assert.Equal("http://collector:4318", spec.Telemetry.OtlpEndpoint);
        Assert.Equal("http/protobuf", spec.Telemetry.OtlpProtocol);
        Assert.False(spec.Telemetry.Progress);
    }

    [Fact]
    public void Absent_sections_and_keys_take_the_model_defaults()
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.Minimal, "minimal.yaml");
        // The same spec built in code: every other value is the model's default.
        var expected = new Orchestrator.Core.RunSpec.RunSpec
        {
            Data = new DataSection { Train = [new DatasetSource { Shards = "data/train" }] },
            Train = new TrainSection { Steps = 10 },
        };

        Assert.Equal(RunSpecWriter.ToYaml(expected), RunSpecWriter.ToYaml(spec));
        Assert.Equal("run", spec.Run.Name);
        Assert.Equal(32, spec.Train.GlobalBatch);
        Assert.Equal([0.9, 0.999], spec.Train.Optimizer.Betas);
        Assert.Null(spec.Data.Synthetic);
        Assert.Equal("ddim", spec.Eval.Sampler.Kind);
    }

    [Fact]
    public void Section_with_nothing_under_it_keeps_its_defaults()
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.Minimal + "\nrun:\ncluster: {}\n", "empty-sections.yaml");

        Assert.Equal("run", spec.Run.Name);
        Assert.Equal(2, spec.Cluster.WorkersPerNode);
    }

    [Theory]
    [InlineData("data: { synthetic: null }", false)]
    [InlineData("data: { synthetic: ~ }", false)]
    [InlineData("data: { synthetic: {} }", true)]
    public void Optional_section_is_null_unless_given(string patch, bool present)
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.With(patch), "optional.yaml");

        Assert.Equal(present, spec.Data.Synthetic is not null);
        if (present)
        {
            Assert.Equal(2048, spec.Data.Synthetic!.TrainRows);
        }
    }

    [Theory]
    [InlineData("trian: { steps: 1 }", "trian", "unknown key", "\"trian\"", "did you mean train?")]
    [InlineData("train: { optimizer: { betaz: [0.9, 0.99] } }", "train.optimizer.betaz", "unknown key", "\"betaz\"",
        "one of lr, betas, eps, weight_decay, warmup_steps")]
    [InlineData("data: { train: [ { shards: a, shardz: b } ] }", "data.train[0].shardz", "unknown key", "\"shardz\"",
        "one of shards, layout, columns, weight")]
    [InlineData("train: { global_batch: abc }", "train.global_batch", "wrong type", "abc", "an integer")]
    [InlineData("train: { global_batch: 3.5 }", "train.global_batch", "wrong type", "3.5", "an integer")]
    [InlineData("train: { global_batch: 3000000000 }", "train.global_batch", "wrong type", "3000000000",
        "an integer between -2147483648 and 2147483647")]
    [InlineData("train: { global_batch: \"32\" }", "train.global_batch", "wrong type", "\"32\"", "an integer (without quotes)")]
    [InlineData("run: { seed: 1e3 }", "run.seed", "wrong type", "1e3", "an integer")]
    [InlineData("train: { optimizer: { lr: fast } }", "train.optimizer.lr", "wrong type", "fast", "a number")]
    [InlineData("train: { optimizer: { lr: .nan } }", "train.optimizer.lr", "wrong type", ".nan", "a number")]
    [InlineData("train: { deterministic: yes }", "train.deterministic", "wrong type", "yes", "true or false")]
    [InlineData("train: { optimizer: { betas: [0.9, abc] } }", "train.optimizer.betas[1]", "wrong type", "abc", "a number")]
    [InlineData("model: { channel_multipliers: [1, x] }", "model.channel_multipliers[1]", "wrong type", "x", "an integer")]
    [InlineData("eval: { prompts: [a, [b]] }", "eval.prompts[1]", "wrong type", "a list of 1 items", "a string")]
    [InlineData("train: 5", "train", "wrong type", "5", "a mapping with the keys global_batch, micro_batch")]
    [InlineData("train: { optimizer: [1, 2] }", "train.optimizer", "wrong type", "a list of 2 items", "a mapping with the keys lr")]
    [InlineData("run: { name: { first: a } }", "run.name", "wrong type", "a mapping with keys first", "a string")]
    [InlineData("model: { channel_multipliers: 2 }", "model.channel_multipliers", "wrong type", "2", "a list of integers")]
    [InlineData("data: { train: { shards: a } }", "data.train", "wrong type", "a mapping with keys shards", "a list of mappings")]
    public void Binding_error_names_path_value_and_expectation(string patch, string path, string problem, string got, string expected)
    {
        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(SpecDocuments.With(patch), "bad.yaml"));

        var message = Assert.Single(e.Errors);
        Assert.StartsWith($"bad.yaml: {path}: {problem}, got {got}; expected ", message);
        Assert.Contains(expected, message);
        Assert.Matches(@"\(line \d+\)$", message);
    }

    [Fact]
    public void Null_string_is_a_missing_value()
    {
        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(SpecDocuments.Minimal + "\nrun:\n  name:\n", "null.yaml"));

        Assert.Equal(
            "null.yaml: run.name: missing value, got nothing (null); expected a string (write \"\" for an empty one) (line 7)",
            Assert.Single(e.Errors));
    }

    [Fact]
    public void Error_names_the_line_of_the_key()
    {
        const string yaml = """
            data:
              train:
                - shards: data/train
            train:
              steps: 10
              optimizer:
                betas: [0.9, oops]
            """;

        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(yaml, "lines.yaml"));

        Assert.Equal(
            "lines.yaml: train.optimizer.betas[1]: wrong type, got oops; expected a number (line 7)",
            Assert.Single(e.Errors));
    }

    [Fact]
    public void Every_binding_error_of_a_document_is_reported_together()
    {
        const string yaml = """
            run: { nmae: x }
            train:
              global_batch: many
              optimizer: { lr: [1] }
            telemetry: 3
            """;

        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(yaml, "many.yaml"));

        Assert.Equal(4, e.Errors.Count);
        Assert.Equal(e.Errors, e.Message.Split('\n'));
        Assert.Contains(e.Errors, m => m.StartsWith("many.yaml: run.nmae: unknown key", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("many.yaml: train.global_batch: wrong type, got many", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("many.yaml: train.optimizer.lr: wrong type, got a list", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("many.yaml: telemetry: wrong type, got 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_errors_are_reported_together_with_their_lines()
    {
        const string yaml = """
            data:
              train: []
            train:
              global_batch: 0
              optimizer: { lr: -1 }
            """;

        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(yaml, "ranges.yaml"));

        Assert.Contains("ranges.yaml: data.train: no training data, got an empty list; expected at least one dataset, such as - shards: data/train (line 2)", e.Errors);
        Assert.Contains("ranges.yaml: train.global_batch: out of range, got 0; expected an integer >= 1 (line 4)", e.Errors);
        Assert.Contains("ranges.yaml: train.optimizer.lr: out of range, got -1; expected a number > 0 (line 5)", e.Errors);
        Assert.Contains(e.Errors, m => m.StartsWith("ranges.yaml: train.steps: exactly one of", StringComparison.Ordinal));
        Assert.Equal(4, e.Errors.Count);
    }

    [Fact]
    public void Invalid_yaml_names_file_and_line()
    {
        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse("train:\n  steps: [1, 2\n", "syntax.yaml"));

        Assert.StartsWith("syntax.yaml: line ", Assert.Single(e.Errors));
        Assert.Contains("not valid YAML", e.Message);
    }

    [Fact]
    public void Duplicate_key_is_rejected_with_its_line()
    {
        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(SpecDocuments.Minimal + "\ntrain: {}\n", "dup.yaml"));

        Assert.StartsWith("dup.yaml: line 6", e.Message);
        Assert.Contains("Duplicate key", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Document_that_is_not_a_mapping_is_rejected()
    {
        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse("- a\n- b\n", "list.yaml"));

        Assert.StartsWith("list.yaml: (document): the document is not a mapping, got a list of 2 items; expected a mapping with the sections run, data", e.Message);
    }

    [Fact]
    public void Load_reads_a_file_and_names_it_in_errors()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("run.yaml");
        File.WriteAllText(path, SpecDocuments.With("train: { micro_batch: 5 }"));

        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Load(path));

        Assert.StartsWith($"{path}: train.micro_batch: does not divide train.global_batch, got 5; expected a divisor of 32", e.Message);
        File.WriteAllText(path, SpecDocuments.Full);
        Assert.Equal("full-run", RunSpecLoader.Load(path).Run.Name);
    }

    [Fact]
    public void Missing_file_is_a_run_spec_error_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"), "run.yaml");

        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Load(path));

        Assert.StartsWith($"{path}: cannot read the run spec", e.Message);
    }
}
