using Akka.Actor;
using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Evaluation;

/// <summary>
/// The run coordinator's evaluator nodes: who takes the next checkpoint (round robin; none registered: the
/// coordinator's own evaluator), and which evaluation each is doing, so that an evaluation on a node that is
/// lost goes to another evaluator instead of holding up the end of the run. Evaluations are keyed by step: the
/// first result of a step counts, a late duplicate from a node given up on does not.
/// </summary>
public sealed class EvaluatorPool
{
    private readonly List<IActorRef> _nodes = [];
    private readonly HashSet<IActorRef> _suspended = [];
    private readonly Dictionary<long, (EvaluateCheckpoint Command, IActorRef? Node)> _inFlight = [];
    private int _next;

    /// <summary>Evaluator nodes that take evaluations now.</summary>
    public IReadOnlyList<IActorRef> Nodes => _nodes;

    /// <summary>Every registered evaluator node, reachable or not.</summary>
    public IEnumerable<IActorRef> Registered => _nodes.Concat(_suspended);

    /// <summary>Evaluations sent and not answered yet.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Adds an evaluator node; false when it was known (a repeated registration).</summary>
    public bool Register(IActorRef node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (_nodes.Contains(node))
        {
            return false;
        }
        _suspended.Remove(node);
        _nodes.Add(node);
        return true;
    }

    /// <summary>
    /// Records <paramref name="command"/> as in flight and returns the evaluator node that takes it, or null when
    /// none is registered (the coordinator's own evaluator takes it).
    /// </summary>
    public IActorRef? Assign(EvaluateCheckpoint command)
    {
        ArgumentNullException.ThrowIfNull(command);
        IActorRef? node = null;
        if (_nodes.Count > 0)
        {
            node = _nodes[_next % _nodes.Count];
            _next = (_next + 1) % _nodes.Count;
        }
        _inFlight[command.Step] = (command, node);
        return node;
    }

    /// <summary>The evaluation of <paramref name="step"/> was answered: true when it was in flight (the answer counts).</summary>
    public bool Complete(long step) => _inFlight.Remove(step);

    /// <summary>
    /// Takes the nodes <paramref name="match"/> selects out of the rotation, for good (<paramref name="mayReturn"/>
    /// false: removed or stopped) or until they are reachable again; returns the evaluations they were doing, to
    /// be assigned again.
    /// </summary>
    public IReadOnlyList<EvaluateCheckpoint> Lose(Func<IActorRef, bool> match, bool mayReturn)
    {
        ArgumentNullException.ThrowIfNull(match);
        var lost = Registered.Where(match).ToList();
        foreach (var node in lost)
        {
            _nodes.Remove(node);
            if (mayReturn)
            {
                _suspended.Add(node);
            }
            else
            {
                _suspended.Remove(node);
            }
        }
        var orphaned = _inFlight.Values.Where(e => e.Node is not null && lost.Contains(e.Node)).Select(e => e.Command).ToList();
        foreach (var command in orphaned)
        {
            _inFlight.Remove(command.Step);
        }
        return orphaned;
    }

    /// <summary>Suspended nodes that <paramref name="match"/> selects take evaluations again; returns them.</summary>
    public IReadOnlyList<IActorRef> Resume(Func<IActorRef, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var back = _suspended.Where(match).ToList();
        foreach (var node in back)
        {
            _suspended.Remove(node);
            _nodes.Add(node);
        }
        return back;
    }
}
