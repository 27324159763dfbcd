using Akka.Actor;
using Orchestrator.Coordinator.Nodes;

namespace Orchestrator.Coordinator.Run;

/// <summary>
/// The trainer nodes offered to the run and the group built from them. Plain class: the run coordinator
/// calls it, tests drive it. Nodes keep their registration order, so ranks are stable while membership
/// does not change; a group takes whole nodes, in that order, up to max_workers, all with as many workers
/// as the first.
/// </summary>
public sealed class GroupRoster(int minWorkers, int maxWorkers)
{
    private readonly List<RegisterTrainerNode> _nodes = [];

    /// <summary>Workers of every registered node, in the group or not.</summary>
    public int OfferedWorkers => _nodes.Sum(n => n.Workers.Count);

    public IReadOnlyList<RegisterTrainerNode> Nodes => _nodes;

    /// <summary>Adds a node, or replaces its earlier registration (a node that restarted its actors); true when it is new.</summary>
    public bool Register(RegisterTrainerNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        int existing = _nodes.FindIndex(n => n.Node.Equals(node.Node));
        if (existing >= 0)
        {
            _nodes[existing] = node;
            return false;
        }
        _nodes.Add(node);
        return true;
    }

    /// <summary>Removes a node by its actor; true when it was registered.</summary>
    public bool Remove(IActorRef node) => _nodes.RemoveAll(n => n.Node.Equals(node)) > 0;

    public bool Contains(IActorRef node) => _nodes.Exists(n => n.Node.Equals(node));

    /// <summary>
    /// The group of generation <paramref name="generation"/>, or null while fewer than min_workers are
    /// offered. <paramref name="previous"/> (the nodes of the last group) decides the state source: the
    /// lowest rank on a node that holds the committed state; null when no such node remains.
    /// </summary>
    public GroupPlan? Plan(long generation, IReadOnlySet<IActorRef> previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var chosen = new List<GroupNode>();
        var workers = new List<IActorRef>();
        foreach (var node in _nodes)
        {
            // The hierarchical reducer needs the same number of workers on every node of a group.
            if (workers.Count + node.Workers.Count > maxWorkers || (chosen.Count > 0 && node.Workers.Count != chosen[0].Workers))
            {
                continue;
            }
            chosen.Add(new GroupNode(node.Node, node.RingEndpoint, workers.Count, node.Workers.Count));
            workers.AddRange(node.Workers);
        }
        if (workers.Count < minWorkers || workers.Count == 0)
        {
            return null;
        }
        int? source = chosen.FirstOrDefault(n => previous.Contains(n.Node))?.FirstRank;
        return new GroupPlan(generation, chosen, workers, source);
    }
}

/// <summary>
/// A group generation: its nodes in ring order, its workers by global rank, and the rank whose state the
/// others take (null: no member holds the committed state, so the group starts from the latest checkpoint).
/// </summary>
public sealed record GroupPlan(long Generation, IReadOnlyList<GroupNode> Nodes, IReadOnlyList<IActorRef> Workers, int? SourceRank)
{
    public int WorldSize => Workers.Count;

    public IActorRef NodeOfRank(int rank) => Nodes.Last(n => n.FirstRank <= rank).Node;
}
