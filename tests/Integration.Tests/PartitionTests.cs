using System.Globalization;
using Xunit.Abstractions;
using static Orchestrator.Integration.Tests.ClusterRun;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// Network partitions on real interfaces (docs/cluster.md, "Failure semantics"): the coordinator and two trainers,
/// each in a network namespace of its own (<see cref="NetworkLab"/>), talk over veth pairs and a bridge; a test cuts a
/// node's link mid-run and the Split Brain Resolver (keep-majority) downs the side that is cut off.
/// </summary>
[Collection("processes")]
public sealed class PartitionTests(ITestOutputHelper output)
{
    private const int CoordinatorPort = 4053;

    [NetworkNamespacesFact]
    public async Task A_trainer_cut_off_is_downed_the_run_goes_on_and_the_restarted_trainer_rejoins_with_identical_weights()
    {
        // Long enough that the run is still training after the cut (downing takes seconds) and the restart (a few more).
        const int epochs = 20;
        using var lab = NetworkLab.Create("coordinator", "trainer-1", "trainer-2");
        using var run = Run(lab, epochs);
        await MakeShardsAsync(run);
        var processes = new List<RoleProcess>();
        try
        {
            var coordinator = Start(lab, run, processes, "coordinator", "coordinator", CoordinatorPort);
            var first = Start(lab, run, processes, "trainer-1", "trainer-1", 0);
            var cut = Start(lab, run, processes, "trainer-2", "trainer-2", 0);
            string cutAddress = $"@{lab.Address("trainer-2")}:";
            await WaitUntilAsync(() => Records(run).Any(r => Event(r) == "group" && r.GetProperty("world_size").GetInt32() == 2), coordinator);
            long cutAfter = Records(run).Last(r => Event(r) == "group").GetProperty("step").GetInt64() + 2;
            await WaitForStepAsync(run, coordinator, cutAfter);

            var cutAt = DateTime.UtcNow;
            lab.Cut("trainer-2");
            output.WriteLine($"cut trainer-2 after step {cutAfter}");

            // The cut-off trainer is the minority (1 of 3): its Split Brain Resolver downs it, and it exits saying so.
            Assert.Equal(1, await cut.ExitAsync(Limit));
            Assert.Contains("error: this trainer node left the cluster before the run ended: its actor system stopped (downed by the cluster", cut.Output, StringComparison.Ordinal);
            // The majority drops it and trains on without it.
            await WaitUntilAsync(() => Records(run).Any(r => Event(r) == "node_lost" && Node(r).Contains(cutAddress, StringComparison.Ordinal)), coordinator);
            await WaitUntilAsync(() => Records(run).Any(r => Event(r) == "group" && r.GetProperty("world_size").GetInt32() == 1 && Time(r) > cutAt), coordinator);
            var lost = Records(run).First(r => Event(r) == "group" && r.GetProperty("world_size").GetInt32() == 1 && Time(r) > cutAt);
            await WaitForStepAsync(run, coordinator, lost.GetProperty("step").GetInt64() + 2);
            output.WriteLine($"downed and trained on without it in {(DateTime.UtcNow - cutAt).TotalSeconds:0.0} s");

            // The link restored, a new trainer process (a downed node's actor system cannot rejoin) joins as a
            // supervisor would restart it, and takes the group's state at a step boundary.
            lab.Restore("trainer-2");
            var rejoined = Start(lab, run, processes, "trainer-2", "trainer-2 (restarted)", 0);

            Assert.Equal(0, await coordinator.ExitAsync(Limit));
            Assert.Equal(0, await first.ExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(0, await rejoined.ExitAsync(TimeSpan.FromSeconds(60)));
            var records = Records(run);
            Assert.Contains(records, r => Event(r) == "group" && r.GetProperty("world_size").GetInt32() == 2 && Time(r) > cutAt);
            Assert.Contains(records, r => Event(r) == "node_joined" && Node(r).Contains(cutAddress, StringComparison.Ordinal) && Time(r) > cutAt);
            AssertEverySampleOncePerEpoch(run, epochs);
            AssertIdenticalReplicas(run, 2);
            Assert.DoesNotContain("127.0.0.1", string.Join("\n", records.Where(r => Event(r) is "node_joined" or "node_lost").Select(Node)), StringComparison.Ordinal);
            // Akka.Cluster's own events reached the Split Brain Resolver under the serialization check.
            Assert.DoesNotContain(processes, p => p.Output.Contains("Failed to serialize and deserialize", StringComparison.Ordinal));
        }
        finally
        {
            EndAll(processes);
        }
    }

    [NetworkNamespacesFact]
    public async Task A_coordinator_cut_off_from_both_trainers_is_downed_and_exits_1_saying_so()
    {
        using var lab = NetworkLab.Create("coordinator", "trainer-1", "trainer-2");
        using var run = Run(lab, epochs: 50);
        await MakeShardsAsync(run);
        var processes = new List<RoleProcess>();
        try
        {
            var coordinator = Start(lab, run, processes, "coordinator", "coordinator", CoordinatorPort);
            Start(lab, run, processes, "trainer-1", "trainer-1", 0);
            Start(lab, run, processes, "trainer-2", "trainer-2", 0);
            await WaitUntilAsync(() => Records(run).Any(r => Event(r) == "group" && r.GetProperty("world_size").GetInt32() == 2), coordinator);

            lab.Cut("coordinator");

            // One of three: the coordinator's own Split Brain Resolver downs it; it must end, not wait for a run it lost.
            Assert.Equal(1, await coordinator.ExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains("error: this coordinator node left the cluster before the run ended: its actor system stopped (downed by the cluster",
                coordinator.Output, StringComparison.Ordinal);
        }
        finally
        {
            EndAll(processes);
        }
    }

    // One spec per node: the same run, each with its own address (cluster.hostname) in the lab.
    private static TinyRun Run(NetworkLab lab, int epochs)
    {
        var run = new TinyRun(
            steps: epochs * StepsPerEpoch,
            extra: "telemetry: { progress: false }",
            cluster: "workers_per_node: 1, min_workers: 1, max_workers: 2, hostname: HOST, " +
                     $"seed_nodes: [akka.tcp://orchestrator@{lab.Address("coordinator")}:{CoordinatorPort.ToString(CultureInfo.InvariantCulture)}], " +
                     "collective_timeout_seconds: 10, down_after_seconds: 3");
        string spec = File.ReadAllText(run.SpecPath).Replace("checkpoint: { every_steps: 2, keep_last: 5 }", "checkpoint: { every_steps: 20, keep_last: 2 }", StringComparison.Ordinal);
        File.WriteAllText(run.SpecPath, spec.Replace("hostname: HOST", "hostname: 127.0.0.1", StringComparison.Ordinal));
        foreach (string node in new[] { "coordinator", "trainer-1", "trainer-2" })
        {
            File.WriteAllText(NodeSpec(run, node), spec.Replace("hostname: HOST", $"hostname: {lab.Address(node)}", StringComparison.Ordinal));
        }
        return run;
    }

    private static string NodeSpec(TinyRun run, string node) => Path.Combine(run.Directory, $"{node}.yaml");

    private static RoleProcess Start(NetworkLab lab, TinyRun run, List<RoleProcess> processes, string node, string name, int port)
    {
        string role = node == "coordinator" ? "coordinator" : "trainer";
        var process = lab.Start(node, name, run.Directory, role, "--config", NodeSpec(run, node), "--port", port.ToString(CultureInfo.InvariantCulture));
        processes.Add(process);
        return process;
    }

    private static string Node(System.Text.Json.JsonElement record) => record.GetProperty("node").GetString()!;

    // Every process ends before the lab's namespaces are deleted (a process keeps its namespace alive).
    private void EndAll(List<RoleProcess> processes)
    {
        foreach (var process in processes)
        {
            process.Dispose();
            output.WriteLine($"--- {process.Name} ---\n{process.Output}");
        }
    }
}
