using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Tests.Reduction;

/// <summary>N ring members on 127.0.0.1 in this test process, each with its own listener on a free port.</summary>
internal sealed class RingFixture : IDisposable
{
    public RingFixture(RingListener[] listeners, TcpRingAllReduce[] members)
    {
        Listeners = listeners;
        Members = members;
    }

    public RingListener[] Listeners { get; }

    public TcpRingAllReduce[] Members { get; }

    public static RingListener[] Listen(int worldSize) =>
        Enumerable.Range(0, worldSize).Select(_ => RingListener.Start("127.0.0.1", 0)).ToArray();

    public static RingGeneration Generation(RingListener[] listeners, long generation, int rank) =>
        new(generation, rank, listeners.Select(l => l.Endpoint).ToArray());

    public static async Task<RingFixture> StartAsync(int worldSize, TcpRingOptions options)
    {
        var listeners = Listen(worldSize);
        var members = await Task.WhenAll(Enumerable.Range(0, worldSize).Select(rank =>
            TcpRingAllReduce.ConnectAsync(listeners[rank], Generation(listeners, 1, rank), options, CancellationToken.None)));
        return new RingFixture(listeners, members);
    }

    public void Dispose()
    {
        foreach (var member in Members)
        {
            member.Dispose();
        }
        foreach (var listener in Listeners)
        {
            listener.Dispose();
        }
    }
}
