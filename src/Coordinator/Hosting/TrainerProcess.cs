using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Trainer.Devices;
using Orchestrator.Trainer.Reduction.Nccl;
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
        int workers = spec.Cluster.WorkersPerNode;
        // One worker per GPU: worker i on CUDA device i (round robin when there are more workers than GPUs).
        int gpus = device.type == DeviceType.CUDA ? torch.cuda.device_count() : 0;
        var devices = Enumerable.Range(0, workers).Select(i => gpus > 0 ? i % gpus : 0).ToList();
        var replicas = devices
            .Select(d => ModelReplica.Create(spec, gpus > 0 ? new torch.Device(DeviceType.CUDA, d) : device))
            .ToList();
        var sessions = replicas.Select(r => new WorkerSession(data.Setup, r)).ToList();
        var choice = gpus > 0 && workers > gpus
            ? new DataPlaneChoice(null, $"the TCP ring ({workers} workers share {gpus} GPUs; NCCL needs one GPU per worker)")
            : NcclDataPlane.Choose(device);
        var dataPlane = NodeDataPlane.Listen(
            spec.Cluster.Hostname, spec.Cluster.DataPlanePort, TimeSpan.FromSeconds(spec.Cluster.CollectiveTimeoutSeconds), spec.Cluster.TransferDtype,
            choice.Nccl, devices);
        var store = new CheckpointStore(spec.CheckpointDirectory(), spec.Checkpoint.KeepLast);
        var checkpoints = new CheckpointContentFactory(spec, specText, data.Plan.StepsPerEpoch);
        System.Console.WriteLine($"trainer: {replicas.Count} workers on {device.type}, data plane on {dataPlane.Endpoint}");
        System.Console.WriteLine($"trainer: gradients reduce through {choice.Description}");
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
