using System.Globalization;
using static Orchestrator.Integration.Tests.ClusterRun;
using Xunit.Abstractions;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// Runs that span processes on 127.0.0.1: a coordinator and trainer nodes as real `orchestrator`
/// processes joined in one Akka cluster, gradients on the TCP ring, failures by SIGKILL. Every control
/// message between them crosses the wire through the cluster serializer.
/// </summary>
public sealed class ClusterRunTests(ITestOutputHelper output)
{
    private const int StepsPerEpoch = ClusterRun.StepsPerEpoch;
    private static readonly TimeSpan RunLimit = ClusterRun.Limit;

    [Fact]
    public async Task A_coordinator_and_two_trainer_processes_train_an_epoch_consuming_every_sample_once()
    {
        int port = RoleProcess.FreePort();
        using var run = Run(steps: StepsPerEpoch, port, workersPerNode: 1, minWorkers: 2);
        await MakeShardsAsync(run);
        using var coordinator = Coordinator(run, port);
        using var first = Trainer(run, "trainer-1");
        using var second = Trainer(run, "trainer-2");

        await ExpectSuccessAsync(coordinator, first, second);

        AssertEverySampleOncePerEpoch(run, epochs: 1);
        AssertIdenticalReplicas(run, 2);
    }

    [Fact]
    public async Task A_trainer_killed_mid_run_is_dropped_and_the_run_finishes_with_every_sample_once_per_epoch()
    {
        int port = RoleProcess.FreePort();
        // Two nodes of 2 workers make a group (min = max = 4 workers), so the kill always hits a member of a group of
        // both: a node still joining when a smaller group trains is another case. A third node waits in the roster and
        // takes the killed node's place.
        using var run = Run(steps: 2 * StepsPerEpoch, port, workersPerNode: 2, minWorkers: 4);
        await MakeShardsAsync(run);
        using var coordinator = Coordinator(run, port);
        int[] ports = [RoleProcess.FreePort(), RoleProcess.FreePort(), RoleProcess.FreePort()];
        var trainers = ports.Select((p, i) => Trainer(run, $"trainer-{i + 1}", p)).ToList();
        var ids = trainers.Select(t => t.Id).ToList();
        try
        {
            int killAt = Random.Shared.Next(2, StepsPerEpoch + 2);
            await WaitForStepAsync(run, coordinator, killAt);
            // The group took the first two nodes that registered.
            var grouped = Records(run).Where(r => Event(r) == "node_joined").Take(2)
                .Select(r => Array.FindIndex(ports, p => r.GetProperty("node").GetString()!.EndsWith($":{p}", StringComparison.Ordinal)))
                .ToList();
            var victim = trainers[grouped[Random.Shared.Next(2)]];
            var killedAt = DateTime.UtcNow;
            victim.Kill();
            output.WriteLine($"killed {victim.Name} after step {killAt}");

            await ExpectSuccessAsync(coordinator, [.. trainers.Where(t => t != victim)]);

            AssertEverySampleOncePerEpoch(run, epochs: 2);
            var records = Records(run);
            Assert.Contains(records, r => Event(r) == "node_lost");
            var regrouped = records.Last(r => Event(r) == "group");
            Assert.Equal(4, regrouped.GetProperty("world_size").GetInt32());
            var firstStepAfter = records.First(r => Event(r) is null && Time(r) > killedAt);
            double recovery = (Time(firstStepAfter) - killedAt).TotalSeconds;
            output.WriteLine($"recovery: {recovery:0.0} s");
            Assert.True(recovery <= 30, $"the first step after the kill came {recovery:0.0} s later");
            AssertIdenticalReplicas(run, 4);
            // The nodes' rings ran through shared memory (one host); its files are unlinked at set-up, so neither the
            // killed node nor the survivors leave one.
            Assert.Empty(ids.SelectMany(id => Directory.GetFiles("/dev/shm", $"orchestrator-ring-{id}-*")));
        }
        finally
        {
            trainers.ForEach(t => t.Dispose());
        }
    }

    [Fact]
    public async Task A_trainer_joining_mid_run_ends_with_the_weights_of_the_others()
    {
        int port = RoleProcess.FreePort();
        // Long enough that the joiner's process is up (a few seconds) well before the run ends.
        const int epochs = 12;
        using var run = Run(steps: epochs * StepsPerEpoch, port, workersPerNode: 2, minWorkers: 2);
        await MakeShardsAsync(run);
        using var coordinator = Coordinator(run, port);
        using var first = Trainer(run, "first");
        await WaitForStepAsync(run, coordinator, 3);
        using var joiner = Trainer(run, "joiner");

        await ExpectSuccessAsync(coordinator, first, joiner);

        var records = Records(run);
        Assert.Contains(records, r => Event(r) == "group" && r.GetProperty("world_size").GetInt32() == 4 && r.GetProperty("step").GetInt64() >= 3);
        AssertIdenticalReplicas(run, 4);
        AssertEverySampleOncePerEpoch(run, epochs);
    }

    [Fact]
    public async Task A_coordinator_and_two_trainers_form_the_cluster_through_bootstrap_and_train_to_the_end()
    {
        int[] management = [RoleProcess.FreePort(), RoleProcess.FreePort(), RoleProcess.FreePort()];
        using var run = BootstrapRun(steps: StepsPerEpoch, management);
        await MakeShardsAsync(run);
        using var coordinator = Coordinator(run, port: 0, management: management[0]);
        using var first = Trainer(run, "trainer-1", management: management[1]);
        using var second = Trainer(run, "trainer-2", management: management[2]);

        await ExpectSuccessAsync(coordinator, first, second);

        Assert.Contains($"management endpoint http://127.0.0.1:{management[0]}/", coordinator.Output, StringComparison.Ordinal);
        // CPU nodes: the TCP ring, and the trainer says why not NCCL.
        Assert.Contains("gradients reduce through the TCP ring (train.device resolved to cpu; NCCL needs cuda)", first.Output, StringComparison.Ordinal);
        AssertEverySampleOncePerEpoch(run, epochs: 1);
        AssertIdenticalReplicas(run, 2);
    }

    [Fact]
    public async Task A_killed_coordinator_is_replaced_through_bootstrap_and_the_run_finishes_from_the_checkpoint()
    {
        // No seed nodes: the successor finds the running trainers through their management endpoints.
        int[] management = [RoleProcess.FreePort(), RoleProcess.FreePort(), RoleProcess.FreePort()];
        using var run = BootstrapRun(steps: 2 * StepsPerEpoch, management);
        await MakeShardsAsync(run);
        using var coordinator = Coordinator(run, port: 0, management: management[0]);
        using var first = Trainer(run, "trainer-1", management: management[1]);
        using var second = Trainer(run, "trainer-2", management: management[2]);
        await WaitUntilAsync(() => Records(run).Any(r => Event(r) == "checkpoint" && r.GetProperty("step").GetInt64() >= 4), coordinator);
        coordinator.Kill();
        output.WriteLine("killed the coordinator");

        using var successor = Coordinator(run, port: 0, "successor", management: RoleProcess.FreePort());
        await ExpectSuccessAsync(successor, first, second);

        Assert.Contains("resuming from", successor.Output, StringComparison.Ordinal);
        var starts = Records(run).Where(r => Event(r) == "start").ToList();
        Assert.Equal(2, starts.Count);
        Assert.True(starts[1].GetProperty("step").GetInt64() >= 4, "the successor did not start from the checkpoint");
        AssertEverySampleOncePerEpoch(run, epochs: 2);
        Assert.Single(Fingerprints(run).Distinct());
    }

    [Fact]
    public async Task A_management_port_for_a_spec_without_discovery_is_refused_naming_the_key()
    {
        using var run = Run(steps: 1, RoleProcess.FreePort(), workersPerNode: 1, minWorkers: 1);

        var result = await OrchestratorProcess.RunAsync(
            run.Directory, TimeSpan.FromMinutes(1), "trainer", "--config", run.SpecPath, "--management-port", "8558");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("option --management-port needs cluster.discovery", result.Error, StringComparison.Ordinal);
    }

    private static TinyRun Run(int steps, int coordinatorPort, int workersPerNode, int minWorkers) => new(
        steps,
        extra: "telemetry: { progress: false }",
        cluster: $"workers_per_node: {workersPerNode}, min_workers: {minWorkers}, max_workers: 4, " +
                 $"seed_nodes: [akka.tcp://orchestrator@127.0.0.1:{coordinatorPort}], {Timeouts}");

    // Membership through cluster bootstrap: every process's management endpoint is a contact point.
    private static TinyRun BootstrapRun(int steps, int[] managementPorts) => new(
        steps,
        extra: "telemetry: { progress: false }",
        cluster: "workers_per_node: 1, min_workers: 2, max_workers: 4, " +
                 $"discovery: {{ method: config, endpoints: [{string.Join(", ", managementPorts.Select(p => $"127.0.0.1:{p}"))}], " +
                 $"required_contact_points: {managementPorts.Length} }}, {Timeouts}");

    private const string Timeouts = "collective_timeout_seconds: 20, down_after_seconds: 3";

    private static RoleProcess Coordinator(TinyRun run, int port, string name = "coordinator", int? management = null) =>
        RoleProcess.Start(name, run.Directory, Role("coordinator", run, port, management));

    private static RoleProcess Trainer(TinyRun run, string name, int port = 0, int? management = null) =>
        RoleProcess.Start(name, run.Directory, Role("trainer", run, port, management));

    private static string[] Role(string role, TinyRun run, int port, int? management) =>
    [
        role, "--config", run.SpecPath, "--port", port.ToString(CultureInfo.InvariantCulture),
        .. management is { } m ? ["--management-port", m.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
    ];

    private async Task ExpectSuccessAsync(RoleProcess coordinator, params RoleProcess[] trainers)
    {
        try
        {
            Assert.Equal(0, await coordinator.ExitAsync(RunLimit));
            foreach (var trainer in trainers)
            {
                Assert.Equal(0, await trainer.ExitAsync(TimeSpan.FromSeconds(60)));
            }
        }
        finally
        {
            foreach (var process in trainers.Prepend(coordinator))
            {
                output.WriteLine($"--- {process.Name} ---\n{process.Output}");
            }
        }
    }
}
