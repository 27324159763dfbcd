namespace Orchestrator.Integration.Tests;

/// <summary>A working folder with a run spec small enough to train in seconds on 2 cores.</summary>
internal sealed class TinyRun : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public TinyRun(int steps = 4, string extra = "", string cluster = "workers_per_node: 2")
    {
        SpecPath = _folder.File("tiny.yaml");
        File.WriteAllText(SpecPath, $"""
            run: {"{"} name: tiny, seed: 5, output_dir: out {"}"}
            data:
              train: [{"{"} shards: shards/train {"}"}]
              validation: [{"{"} shards: shards/validation {"}"}]
              image_size: 16
              max_caption_tokens: 8
              vocabulary_size: 64
              decode_threads: 1
              synthetic: {"{"} train_dir: shards/train, validation_dir: shards/validation, train_rows: 64, validation_rows: 16, rows_per_shard: 32, row_group_size: 16, image_size: 16 {"}"}
            model:
              base_channels: 8
              channel_multipliers: [1, 2]
              attention_resolutions: [8]
              attention_heads: 2
              text_encoder: {"{"} width: 16, layers: 1, heads: 2 {"}"}
            train: {"{"} global_batch: 8, micro_batch: 2, steps: {steps}, optimizer: {"{"} lr: 0.002 {"}"} {"}"}
            cluster: {"{"} {cluster} {"}"}
            checkpoint: {"{"} every_steps: 2, keep_last: 5 {"}"}
            eval:
              prompts: [a red circle above a blue square, a green square left of a yellow triangle]
              sampler: {"{"} kind: ddim, steps: 4, guidance: 2.0 {"}"}
              frechet_samples: 8
            {extra}
            """);
    }

    public string Directory => _folder.Path;

    public string SpecPath { get; }

    public string CheckpointRoot => Path.Combine(Directory, "out", "checkpoints");

    public void Dispose() => _folder.Dispose();
}
