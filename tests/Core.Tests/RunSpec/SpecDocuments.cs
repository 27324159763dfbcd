using YamlDotNet.RepresentationModel;

namespace Orchestrator.Core.Tests.RunSpec;

/// <summary>Run spec texts for the tests: a minimal valid one, a full one, and a way to override keys.</summary>
internal static class SpecDocuments
{
    /// <summary>The least a valid spec needs: training data and a length.</summary>
    public const string Minimal = """
        data:
          train:
            - shards: data/train
        train:
          steps: 10
        """;

    /// <summary>Every key of the model set, each to a value other than its default.</summary>
    public const string Full = """
        run:
          name: full-run
          seed: 1234567890123
          output_dir: out/full
        data:
          train:
            - shards: data/a/*.parquet
              layout: video2dataset
              columns: { key: id, caption: TEXT, image: png, video: webm, frames: jpgs }
              weight: 2.5
            - shards: data/b
          validation:
            - shards: data/val
              weight: 0.5
          decode_threads: 3
          prefetch_batches: 0
          image_size: 64
          max_caption_tokens: 24
          vocabulary_size: 4096
          clip: { frames: 4, stride: 2, fps: 12.5, pad: false }
          synthetic:
            train_dir: syn/train
            validation_dir: syn/val
            train_rows: 100
            validation_rows: 10
            rows_per_shard: 50
            row_group_size: 25
            image_size: 48
            seed: 9
        model:
          kind: unet2d
          in_channels: 4
          base_channels: 64
          channel_multipliers: [1, 2, 4]
          attention_resolutions: [32, 16]
          res_blocks_per_level: 2
          attention_heads: 8
          text_encoder: { width: 128, layers: 3, heads: 8 }
          init_from: runs/image/checkpoints/step-00000700
        diffusion:
          schedule: cosine
          timesteps: 500
          prediction: epsilon
          cfg_dropout: 0.2
          ema_decay: 0.9999
        train:
          global_batch: 64
          micro_batch: 4
          steps: 0
          epochs: 3
          optimizer:
            lr: 2.5e-4
            betas: [0.95, 0.98]
            eps: 1.0e-6
            weight_decay: 0
            warmup_steps: 50
          deterministic: false
          grad_clip: 0.5
          intra_op_threads: 2
          device: cpu
        cluster:
          workers_per_node: 4
          min_workers: 2
          max_workers: 8
          seed_nodes: ["akka.tcp://orchestrator@10.0.0.1:4053", "akka.tcp://orchestrator@10.0.0.2:4053"]
          hostname: 10.0.0.1
          port: 4053
          collective_timeout_seconds: 30.5
        checkpoint:
          every_steps: 250
          keep_last: 5
          dir: ckpt
        eval:
          every_steps: 500
          prompts: ["a red square", "a blue circle"]
          seed: 77
          sampler: { kind: ddpm, steps: 100, guidance: 5.5, eta: 0.5 }
          frechet_samples: 128
        telemetry:
          otlp_endpoint: http://collector:4318
          otlp_protocol: http/protobuf
          progress: false
        """;

    /// <summary>
    /// <paramref name="baseYaml"/> with the keys of <paramref name="patch"/> put over it, mapping by
    /// mapping, so that one case can break one key of an otherwise valid spec.
    /// </summary>
    public static string With(string patch, string baseYaml = Minimal)
    {
        var target = Root(baseYaml);
        Merge(target, Root(patch));
        var stream = new YamlStream(new YamlDocument(target));
        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static YamlMappingNode Root(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static void Merge(YamlMappingNode target, YamlMappingNode patch)
    {
        foreach (var (key, value) in patch.Children)
        {
            if (value is YamlMappingNode patchChild && target.Children.TryGetValue(key, out var existing)
                && existing is YamlMappingNode targetChild)
            {
                Merge(targetChild, patchChild);
            }
            else
            {
                target.Children[key] = value;
            }
        }
    }
}
