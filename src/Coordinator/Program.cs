using Orchestrator.Coordinator.Cli;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Safetensors;
using Orchestrator.DataLoader.Shards;

// `orchestrator <verb> [options]`: see Usage below and docs/architecture.md.
const string Usage = """
    usage:
      orchestrator train [--config run.yaml] [--resume latest|auto|CHECKPOINT_DIR] [--steps N] [--metrics-port P]
          a whole run in one process; with no --config, the embedded examples/quickstart.yaml
      orchestrator coordinator --config run.yaml [--resume latest|auto|CHECKPOINT_DIR] [--steps N] [--hostname H] [--port P] [--management-port P] [--metrics-port P]
          the run coordinator of a run that spans processes (default --resume auto: continue from the newest checkpoint)
      orchestrator trainer --config run.yaml [--hostname H] [--port P] [--data-plane-port P] [--management-port P] [--metrics-port P]
          a trainer node: cluster.workers_per_node workers that join the run through cluster.seed_nodes or
          cluster.discovery (--hostname: this node's address, overriding cluster.hostname, such as a pod's IP;
          --management-port: this node's cluster bootstrap endpoint, see docs/cluster.md;
          --metrics-port: this process's Prometheus port, overriding telemetry.prometheus.port)
      orchestrator evaluator --config run.yaml [--hostname H] [--port P] [--checkpoints-url URL] [--management-port P] [--metrics-port P]
          an evaluator node: evaluates the run's checkpoints (pulled over HTTP when checkpoint.serve is set); see docs/evaluation.md
      orchestrator sample --checkpoint DIR [--prompt TEXT]... [--out grid.png] [--weights ema|model]
                          [--sampler ddim|ddpm] [--steps N] [--guidance G] [--eta E] [--seed S]
          a captioned sample grid from a checkpoint (without --prompt: the run's eval.prompts); a video checkpoint
          gives a frame strip and one GIF per prompt
      orchestrator shards make [--config run.yaml] [--video]
          writes the spec's synthetic caption-image shards (data.synthetic); --video: caption-video clips (mp4) instead
      orchestrator shards inspect PATH...
          each shard's schema, rows, row groups, size, img2dataset columns and first captions (PATH: file, folder or glob)
      orchestrator shards verify PATH... [--image-column jpg] [--caption-column caption] [--image-size 64]
          decodes every row; exit 0 all usable, 1 some rows bad (listed), 2 a shard unreadable
      orchestrator shards import --images DIR --out DIR [--rows-per-shard 1000] [--row-group-size 100]
                                 [--captions FILE.csv|.tsv]
          jpg/jpeg/png files with sidecar name.txt captions (or a file,caption table) to img2dataset-layout shards
      orchestrator checkpoints list [--config run.yaml | --dir CHECKPOINT_ROOT]
          lists checkpoints and verifies their hashes
      orchestrator checkpoints serve [--config run.yaml | --dir CHECKPOINT_ROOT] [--host H] [--port P] [--token-file F]
          serves the checkpoints over HTTP (read-only, bearer token) until Ctrl-C; see docs/checkpoint-service.md
      orchestrator eval --checkpoint DIR|URL [--config run.yaml] [--token-file F] [--out DIR]
          evaluates one checkpoint (sample grid, Frechet distance) offline; a URL is downloaded and verified first
      orchestrator certs make --out DIR [--nodes name,...] [--days N] [--ca DIR]
          a development CA and a certificate per node (ECDSA, server and client auth) for cluster.tls; --ca: sign with
          the CA an earlier run wrote to DIR instead of a new one; see docs/security.md
    """;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return args switch
    {
        ["train", ..] => await TrainCommand.RunAsync(CommandLine.Parse(args, 1, TrainCommand.ValueOptions, new HashSet<string>()), cancel.Token),
        ["coordinator", ..] => await RoleCommand.CoordinatorAsync(CommandLine.Parse(args, 1, RoleCommand.ValueOptions, new HashSet<string>()), cancel.Token),
        ["trainer", ..] => await RoleCommand.TrainerAsync(CommandLine.Parse(args, 1, RoleCommand.ValueOptions, new HashSet<string>()), cancel.Token),
        ["evaluator", ..] => await RoleCommand.EvaluatorAsync(CommandLine.Parse(args, 1, RoleCommand.ValueOptions, new HashSet<string>()), cancel.Token),
        ["sample", ..] => SampleCommand.Run(CommandLine.Parse(args, 1, SampleCommand.ValueOptions, new HashSet<string>())),
        ["shards", "make", ..] => await ShardsCommand.MakeAsync(CommandLine.Parse(args, 2, ShardsCommand.ValueOptions, ShardsCommand.MakeFlags), cancel.Token),
        ["shards", "inspect", ..] => await ShardsCommand.InspectAsync(args, cancel.Token),
        ["shards", "verify", ..] => await ShardsCommand.VerifyAsync(args, cancel.Token),
        ["shards", "import", ..] => await ShardsCommand.ImportAsync(args, cancel.Token),
        ["eval", ..] => await EvalCommand.RunAsync(CommandLine.Parse(args, 1, EvalCommand.ValueOptions, new HashSet<string>()), cancel.Token),
        ["checkpoints", "serve", ..] => await CheckpointsCommand.ServeAsync(CommandLine.Parse(args, 2, CheckpointsCommand.ServeOptions, new HashSet<string>()), cancel.Token),
        ["certs", "make", ..] => CertsCommand.Make(CommandLine.Parse(args, 2, CertsCommand.ValueOptions, new HashSet<string>())),
        ["checkpoints", "list", ..] => CheckpointsCommand.List(CommandLine.Parse(args, 2, CheckpointsCommand.ValueOptions, new HashSet<string>())),
        [] or ["help" or "--help" or "-h", ..] => PrintUsage(0),
        _ => PrintUsage(2, $"unknown command '{string.Join(' ', args)}'"),
    };
}
catch (Exception e) when (e is CommandLineException or RunSpecException or ShardException or CheckpointCorruptException
                              or CheckpointNotFoundException or SafetensorsException or InvalidDataException
                              or FileNotFoundException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("stopped");
    return 130;
}

int PrintUsage(int code, string? problem = null)
{
    if (problem is not null)
    {
        Console.Error.WriteLine($"error: {problem}");
    }
    (code == 0 ? Console.Out : Console.Error).Write(Usage);
    return code;
}
