using System.Net.Sockets;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// Tells a failure of the data plane (a peer that died, closed its connection or did not answer within the
/// collective timeout, or a group torn down for a new generation) from a failure of the step itself: the
/// first re-forms the group, the second stops the run.
/// </summary>
public static class CollectiveFailure
{
    public static bool Is(Exception e) => e switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.All(Is),
        TimeoutException or SocketException or IOException or ObjectDisposedException or CollectiveAbortedException
            or CollectiveFailedException => true,
        _ => e.InnerException is { } inner && Is(inner),
    };
}
