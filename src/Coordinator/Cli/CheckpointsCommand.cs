using System.Globalization;
using System.Runtime.InteropServices;
using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orchestrator checkpoints list [--config run.yaml | --dir DIR]`: the checkpoints of a run, verified;
/// `orchestrator checkpoints serve [--config run.yaml | --dir DIR] [--host H] [--port P] [--token-file F]`:
/// serves them over HTTP until Ctrl-C (docs/checkpoint-service.md).
/// </summary>
public static class CheckpointsCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "config", "dir" };

    public static readonly IReadOnlySet<string> ServeOptions = new HashSet<string> { "config", "dir", "host", "port", "token-file" };

    public static int List(CommandLine command)
    {
        string dir = command.Value("dir") ?? DefaultDirectory(command.Value("config"));
        var store = new CheckpointStore(dir, keepLast: int.MaxValue);
        var checkpoints = store.List();
        if (checkpoints.Count == 0)
        {
            System.Console.WriteLine($"{dir}: no checkpoints");
            return 0;
        }
        foreach (var info in checkpoints)
        {
            string state;
            try
            {
                CheckpointStore.LoadFolder(info.Path);
                state = "ok";
            }
            catch (CheckpointCorruptException e)
            {
                state = $"DAMAGED: {e.Message}";
            }
            System.Console.WriteLine($"{info.Path}  step {info.Step}  {state}");
        }
        return 0;
    }

    public static async Task<int> ServeAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var config = command.Value("config");
        var spec = config is null ? null : SpecSource.Load(config).Spec;
        var serve = spec?.Checkpoint.Serve ?? new CheckpointServeSection();
        var host = command.Value("host") ?? serve.Host;
        if (host is not ("*" or "localhost") && !System.Net.IPAddress.TryParse(host, out _))
        {
            throw new CommandLineException($"option --host: expected an IP address, localhost or *, got '{host}'");
        }
        var port = command.Value("port") is { } text ? ParsePort(text) : serve.Port;
        string token;
        string tokenSource;
        if (command.Value("token-file") is { } tokenFile)
        {
            token = ServiceToken.ReadFile(tokenFile, "option --token-file");
            tokenSource = tokenFile;
        }
        else if (spec?.Checkpoint.Serve is { } fromSpec)
        {
            token = ServiceToken.Read(fromSpec);
            tokenSource = fromSpec.TokenFile.Length > 0 ? fromSpec.TokenFile : $"${fromSpec.TokenEnv}";
        }
        else
        {
            throw new CommandLineException(
                "no bearer token: give --token-file F, or --config with a spec whose checkpoint.serve names token_file or token_env");
        }

        string dir = command.Value("dir") ?? spec?.CheckpointDirectory()
            ?? throw new CommandLineException("option --dir or --config is needed: the checkpoints to serve");
        var store = new CheckpointStore(dir, keepLast: int.MaxValue);
        await using var service = await CheckpointService.StartAsync(store, host, port, token, cancellationToken);
        // Ctrl-C (cancellationToken) or SIGTERM, as Kubernetes sends when it stops a pod, ends serving.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stop.Cancel();
        });
        System.Console.WriteLine($"serving {store.Directory} at {service.Address} (bearer token from {tokenSource}); Ctrl-C stops");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            System.Console.WriteLine("stopped serving");
        }

        return 0;
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new CommandLineException($"option --port: expected an integer in [0, 65535], got '{text}'");

    private static string DefaultDirectory(string? config)
    {
        var (spec, _, _) = SpecSource.Load(config);
        return spec.CheckpointDirectory();
    }
}
