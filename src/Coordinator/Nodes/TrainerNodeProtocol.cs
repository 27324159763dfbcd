using Akka.Actor;
using Orchestrator.Core.Protocol;

namespace Orchestrator.Coordinator.Nodes;

// Between a trainer node (one per trainer process) and the run coordinator: membership and group
// formation. Steps go to the workers directly (TrainerWorkerProtocol).

/// <summary>
/// A trainer node offers its workers and its data-plane endpoint (host:port) to the run; <paramref name="Nccl"/>:
/// its workers can reduce through NCCL (CUDA devices and libnccl present).
/// </summary>
public sealed record RegisterTrainerNode(IActorRef Node, IReadOnlyList<IActorRef> Workers, string RingEndpoint, bool Nccl = false) : IClusterMessage;

/// <summary>The run coordinator took the registration; the node watches the sender to register again with its successor.</summary>
public sealed record TrainerNodeAccepted(string RunName) : IClusterMessage;

/// <summary>One node of a group: its workers have global ranks FirstRank .. FirstRank + Workers - 1.</summary>
public sealed record GroupNode(IActorRef Node, string RingEndpoint, int FirstRank, int Workers);

/// <summary>
/// Form group <paramref name="Generation"/>: connect the data plane among <paramref name="Nodes"/> (in ring
/// order), then every worker takes the state after <paramref name="CommittedSteps"/> steps, from the
/// checkpoint at <paramref name="CheckpointPath"/> when set, else from rank <paramref name="SourceRank"/>.
/// With <paramref name="NcclId"/> (an ncclUniqueId from the node of rank 0) the data plane is an NCCL communicator,
/// else the TCP ring.
/// </summary>
public sealed record FormGroup(
    long Generation, IReadOnlyList<GroupNode> Nodes, long CommittedSteps, int SourceRank, string? CheckpointPath, byte[]? NcclId = null)
    : IClusterMessage
{
    public int WorldSize => Nodes.Sum(n => n.Workers);
}

/// <summary>Every node of generation <paramref name="Generation"/> can use NCCL: the node of rank 0 makes the communicator's unique id.</summary>
public sealed record IssueNcclId(long Generation) : IClusterMessage;

/// <summary>The ncclUniqueId (128 bytes) of generation <paramref name="Generation"/>, which the coordinator hands out in FormGroup.</summary>
public sealed record NcclIdIssued(long Generation, byte[] UniqueId) : IClusterMessage;

/// <summary>Every worker of the node is in group <paramref name="Generation"/>.</summary>
public sealed record NodeJoinedGroup(long Generation, IActorRef Node) : IClusterMessage;

/// <summary>The node could not join group <paramref name="Generation"/> (a peer did not connect, a state did not match).</summary>
public sealed record NodeGroupFailed(long Generation, IActorRef Node, string Reason) : IClusterMessage;

/// <summary>
/// Checkpoint the state after <paramref name="Step"/> committed steps: the node holding the lowest rank
/// captures it and writes it to the shared checkpoint folder; the checkpointer answers the coordinator.
/// </summary>
public sealed record SaveCheckpointAt(long Generation, long Step, IReadOnlyDictionary<string, double> Metrics, string? TraceParent)
    : IClusterMessage;

/// <summary>The run is over: the trainer node's process may exit.</summary>
public sealed record RunEnded(string RunName) : IClusterMessage;
