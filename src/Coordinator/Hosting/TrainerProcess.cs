using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Trainer.Devices;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;
using TorchSharp;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>The trainer role of a process: cluster.workers_per_node replicas on this node's device, and its data plane.</summary>
public sealed class TrainerProcess : IDisposable
{
    private readonly List<ModelReplica> _replicas;

    private TrainerProcess(List<ModelReplica> replicas, RunHost.TrainerPart part)
    {
        _replicas = replicas;
        Part = part;
    }

    public RunHost.TrainerPart Part { get; }

    public static TrainerProcess Create(RunData data, string specText)
    {
        ArgumentNullException.ThrowIfNull(data);
        var spec = data.Spec;
        torch.set_num_threads(spec.Train.IntraOpThreads);
        var device = TrainingDevice.Resolve(spec.Train.Device);
        var replicas = Enumerable.Range(0, spec.Cluster.WorkersPerNode).Select(_ => ModelReplica.Create(spec, device)).ToList();
        var sessions = replicas.Select(r => new WorkerSession(data.Setup, r)).ToList();
        var dataPlane = NodeDataPlane.Listen(
            spec.Cluster.Hostname, spec.Cluster.DataPlanePort, TimeSpan.FromSeconds(spec.Cluster.CollectiveTimeoutSeconds), spec.Cluster.TransferDtype);
        var store = new CheckpointStore(spec.CheckpointDirectory(), spec.Checkpoint.KeepLast);
        var checkpoints = new CheckpointContentFactory(spec, specText, data.Plan.StepsPerEpoch);
        System.Console.WriteLine($"trainer: {replicas.Count} workers on {device.type}, data plane on {dataPlane.Endpoint}");
        return new TrainerProcess(replicas, new RunHost.TrainerPart(sessions, dataPlane, store, checkpoints));
    }

    public void Dispose()
    {
        Part.DataPlane.Dispose();
        foreach (var replica in _replicas)
        {
            replica.Dispose();
        }
    }
}
