using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orchestrator.Coordinator.Evaluation;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Telemetry;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orchestrator coordinator|trainer|evaluator --config run.yaml`: one role of a run that spans processes; each joins
/// the cluster through the spec's seed nodes or cluster bootstrap (docs/cluster.md).
/// </summary>
public static class RoleCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "config", "resume", "steps", "hostname", "port", "data-plane-port", "management-port", "checkpoints-url", "metrics-port" };

    /// <summary>
    /// The run coordinator (singleton) and the evaluator. Without --resume it continues from the newest good
    /// checkpoint when there is one, so a restarted coordinator picks the run up where it was saved.
    /// </summary>
    public static async Task<int> CoordinatorAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var (spec, _, source) = TrainCommand.LoadSpec(command);
        spec = WithNodeAddress(spec, command);
        using var tls = TrainCommand.LoadTls(spec);
        if (spec.Data.Synthetic is { } synthetic)
        {
            await ShardsCommand.MakeSyntheticAsync(synthetic, spec.Telemetry.Progress, cancellationToken);
        }
        var data = await TrainCommand.OpenDataAsync(spec, source, cancellationToken);
        var resume = TrainCommand.Resume(command, spec, fallback: "auto");
        await using var telemetry = await TelemetryExport.StartAsync(spec.Telemetry, "coordinator", command.PortNumber("metrics-port"), cancellationToken);
        using var coordinator = await CoordinatorProcess.CreateAsync(data, resume, spec.Cluster.MinWorkers, spec.Cluster.MaxWorkers, cancellationToken);
        // A coordinator that the cluster downs (the Split Brain Resolver on the minority side) must end, not wait for
        // a run that its actor system can no longer finish.
        var summary = await RunUntilTerminatedAsync(
            RunHost.Build(spec, coordinator.Part, trainer: null, tls: tls), coordinator.Completion.Task, "coordinator", cancellationToken);
        if (summary is null)
        {
            return 1;
        }
        TrainCommand.PrintSummary(summary, data);
        await telemetry.AwaitFinalScrapeAsync(cancellationToken);
        return 0;
    }

    /// <summary>A trainer node: cluster.workers_per_node workers. Ends when the run ends, or with 1 when the cluster downs this node.</summary>
    public static async Task<int> TrainerAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var (spec, specText, source) = TrainCommand.LoadSpec(command);
        spec = WithNodeAddress(spec, command);
        using var tls = TrainCommand.LoadTls(spec);
        var data = await TrainCommand.OpenDataAsync(spec, source, cancellationToken);
        await using var telemetry = await TelemetryExport.StartAsync(spec.Telemetry, "trainer", command.PortNumber("metrics-port"), cancellationToken);
        using var trainer = TrainerProcess.Create(data, specText);
        string? run = await RunUntilTerminatedAsync(RunHost.Build(spec, coordinator: null, trainer.Part, tls: tls), trainer.Part.RunEnded.Task, "trainer", cancellationToken);
        if (run is null)
        {
            return 1;
        }
        System.Console.WriteLine($"run '{run}' ended");
        await telemetry.AwaitFinalScrapeAsync(cancellationToken);
        return 0;
    }

    /// <summary>
    /// An evaluator node: registers with the run coordinator and evaluates the checkpoints it is sent, pulled
    /// from the coordinator's checkpoint service when checkpoint.serve is set (at --checkpoints-url, else the
    /// coordinator's host at checkpoint.serve.port), else read from checkpoint.dir. Ends when the run ends.
    /// </summary>
    public static async Task<int> EvaluatorAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var (spec, _, _) = TrainCommand.LoadSpec(command);
        spec = WithNodeAddress(spec, command);
        using var tls = TrainCommand.LoadTls(spec);
        Uri? url = null;
        if (command.Value("checkpoints-url") is { } given
            && (!Uri.TryCreate(given, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
        {
            throw new CommandLineException($"option --checkpoints-url: '{given}' is not an http(s) URL; expected one such as http://coordinator:8470/");
        }
        if (url is not null && spec.Checkpoint.Serve is null)
        {
            throw new CommandLineException("option --checkpoints-url needs checkpoint.serve in the spec (its token_file or token_env holds the bearer token)");
        }
        await using var telemetry = await TelemetryExport.StartAsync(spec.Telemetry, "evaluator", command.PortNumber("metrics-port"), cancellationToken);
        var events = new EvaluatorNodeEvents(result => System.Console.WriteLine(result switch
        {
            Evaluator.Actors.EvaluationCompleted c => $"evaluator: step {c.Step} evaluated: " +
                string.Join(", ", c.Metrics.Select(m => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.0000}"))) +
                $"; samples {c.GridPath}",
            Evaluator.Actors.EvaluationFailed f => $"evaluator: step {f.Step} failed: {f.Reason}",
            _ => result.ToString(),
        }));
        using var evaluator = await EvaluatorProcess.CreateAsync(spec, url, events, cancellationToken);
        foreach (var status in evaluator.Part.Evaluation.Statuses)
        {
            System.Console.WriteLine($"evaluator: {status.Reason}");
        }
        _ = events.Registered.Task.ContinueWith(
            t => System.Console.WriteLine($"evaluator: registered with run '{t.Result}'"), TaskContinuationOptions.OnlyOnRanToCompletion);
        string? run = await RunUntilTerminatedAsync(RunHost.Build(spec, coordinator: null, trainer: null, evaluator.Part, tls), events.RunEnded.Task, "evaluator", cancellationToken);
        if (run is null)
        {
            return 1;
        }
        System.Console.WriteLine($"run '{run}' ended");
        await telemetry.AwaitFinalScrapeAsync(cancellationToken);
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="host"/> until <paramref name="ended"/> completes (its failure is rethrown), or its actor
    /// system terminates first: then a line on stderr says why (downed by the cluster, a TLS handshake refused, ...)
    /// and the result is null, so the process exits with 1 instead of waiting for a run it can no longer take part in.
    /// </summary>
    private static async Task<T?> RunUntilTerminatedAsync<T>(IHost host, Task<T> ended, string role, CancellationToken cancellationToken)
        where T : class
    {
        var system = host.Services.GetRequiredService<ActorSystem>();
        var terminated = system.WhenTerminated.ContinueWith(_ => (T?)null, TaskScheduler.Default);
        var finished = ended.ContinueWith(t => (T?)t.GetAwaiter().GetResult(), TaskScheduler.Default);
        var result = await TrainCommand.RunHostAsync(host, Task.WhenAny(finished, terminated).Unwrap(), cancellationToken);
        if (result is null)
        {
            string why = CoordinatedShutdown.Get(system).ShutdownReason switch
            {
                CoordinatedShutdown.ClusterDowningReason => "downed by the cluster: the Split Brain Resolver found this node on the side to down",
                CoordinatedShutdown.ClusterLeavingReason => "it left the cluster",
                CoordinatedShutdown.ClusterJoinUnsuccessfulReason =>
                    "it could not join the cluster within cluster.join_timeout_seconds; with cluster.tls, a peer that refuses this node's " +
                    "certificate closes the connection after the handshake, and the peer's log names the certificate and why (tls: refused ...)",
                null => "no reason given",
                var reason => reason.ToString() ?? reason.GetType().Name,
            };
            await System.Console.Error.WriteLineAsync($"error: this {role} node left the cluster before the run ended: its actor system stopped ({why})");
        }
        return result;
    }

    // Processes that share one spec differ in their own address: in a pod, --hostname is the pod's IP (docs/deployment.md).
    private static Core.RunSpec.RunSpec WithNodeAddress(Core.RunSpec.RunSpec spec, CommandLine command)
    {
        var discovery = spec.Cluster.Discovery;
        if (command.PortNumber("management-port") is { } management)
        {
            // Processes on one host share the spec but each needs its own management endpoint.
            discovery = discovery is null
                ? throw new CommandLineException("option --management-port needs cluster.discovery in the spec (the port of this node's management endpoint)")
                : discovery with { ManagementPort = management };
        }
        string? hostname = command.Value("hostname");
        if (hostname is not null && (hostname.Length == 0 || Uri.CheckHostName(hostname) == UriHostNameType.Unknown))
        {
            throw new CommandLineException($"option --hostname: '{hostname}' is not a host name or IP address; expected one such as 10.1.2.3 (in a pod: $(POD_IP))");
        }
        var cluster = spec.Cluster with
        {
            Hostname = hostname ?? spec.Cluster.Hostname,
            Port = command.PortNumber("port") ?? spec.Cluster.Port,
            DataPlanePort = command.PortNumber("data-plane-port") ?? spec.Cluster.DataPlanePort,
            Discovery = discovery,
        };
        if (ClusterMembership.EnvironmentProblem(cluster) is { } problem)
        {
            throw new CommandLineException(problem);
        }
        return spec with { Cluster = cluster };
    }
}
