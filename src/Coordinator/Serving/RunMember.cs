using Akka.Actor;
using Akka.Cluster;

namespace Orchestrator.Coordinator.Serving;

/// <summary>A member of the run's cluster as the run page lists it: its address, roles, membership status and reachability.</summary>
public sealed record RunMember(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable)
{
    /// <summary>The members this node's cluster view holds now (Akka's own roles, such as dc-default, left out).</summary>
    public static IReadOnlyList<RunMember> Of(ActorSystem system)
    {
        var state = Cluster.Get(system).State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        return state.Members
            .Select(m => new RunMember(
                m.Address.ToString(),
                m.Roles.Where(r => !r.StartsWith("dc-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray(),
                m.Status.ToString(),
                !unreachable.Contains(m.Address)))
            .ToList();
    }
}
