namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// The reducer of one process holding several workers: the workers first reduce in memory
/// (<see cref="InProcessAllReduceGroup"/>), local rank 0 alone then reduces the process's result with the
/// other processes (one ring per process), and the others copy its result. Bytes cross the network once
/// per process, not once per worker. Integer sums are exact whatever the split, so the deterministic
/// <see cref="GradientAverager"/> gives the same bits as a flat group of the same workers.
/// Every process must run the same number of local workers (global rank = process rank * local workers + local rank).
/// </summary>
public sealed class HierarchicalAllReduce
{
    private readonly InProcessAllReduceGroup _local;
    private readonly IAllReduce _processes;
    private readonly TimeSpan _timeout;
    private readonly object _gate = new();
    private readonly Dictionary<long, Broadcast> _broadcasts = [];
    private readonly long[] _nextRound;

    /// <param name="localWorkers">workers in this process</param>
    /// <param name="processes">this process's member of the group of processes (a <see cref="TcpRingAllReduce"/>), used by local rank 0 only</param>
    /// <param name="timeout">bound on each in-memory step; the process-level step has its own</param>
    public HierarchicalAllReduce(int localWorkers, IAllReduce processes, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(processes);
        _local = new InProcessAllReduceGroup(localWorkers, timeout);
        _processes = processes;
        _timeout = timeout;
        _nextRound = new long[localWorkers];
    }

    public int LocalWorkers => _local.WorldSize;

    /// <summary>The worker of local rank <paramref name="localRank"/>.</summary>
    public IAllReduce Member(int localRank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(localRank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(localRank, LocalWorkers);
        return new Worker(this, localRank);
    }

    private async Task ReduceAsync<T>(int localRank, T[] buffer, Func<IAllReduce, Task> localStep, Func<Task> processStep, CancellationToken cancellationToken)
    {
        await localStep(_local.Member(localRank)).ConfigureAwait(false);
        var broadcast = Join(localRank);
        if (localRank == 0)
        {
            try
            {
                await processStep().ConfigureAwait(false);
                broadcast.Result.TrySetResult(buffer);
            }
            catch (Exception failure)
            {
                // The other local workers fail with the same peer-naming exception, not a local timeout.
                broadcast.Result.TrySetException(failure);
                throw;
            }
            try
            {
                await broadcast.Copied.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"local rank 0 waited {_timeout.TotalSeconds:0.#} s for the other local workers to take the reduced buffer");
            }
            return;
        }
        try
        {
            var result = (T[])await broadcast.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            result.AsSpan().CopyTo(buffer);
        }
        finally
        {
            if (Interlocked.Decrement(ref broadcast.Waiting) == 0)
            {
                broadcast.Copied.TrySetResult();
            }
        }
    }

    private Broadcast Join(int localRank)
    {
        lock (_gate)
        {
            long id = _nextRound[localRank]++;
            if (!_broadcasts.TryGetValue(id, out var broadcast))
            {
                broadcast = new Broadcast(LocalWorkers - 1);
                _broadcasts[id] = broadcast;
                if (broadcast.Waiting == 0)
                {
                    broadcast.Copied.TrySetResult();
                }
            }
            if (++broadcast.Joined == LocalWorkers)
            {
                _broadcasts.Remove(id);
            }
            return broadcast;
        }
    }

    private sealed class Broadcast(int waiting)
    {
        public int Waiting = waiting;
        public int Joined;

        public TaskCompletionSource<Array> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Copied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Worker(HierarchicalAllReduce owner, int localRank) : IAllReduce
    {
        public int Rank => owner._processes.Rank * owner.LocalWorkers + localRank;

        public int WorldSize => owner._processes.WorldSize * owner.LocalWorkers;

        public Task SumAsync(long[] buffer, CancellationToken cancellationToken) => owner.ReduceAsync(
            localRank, buffer, local => local.SumAsync(buffer, cancellationToken), () => owner._processes.SumAsync(buffer, cancellationToken), cancellationToken);

        public Task SumAsync(float[] buffer, CancellationToken cancellationToken) => owner.ReduceAsync(
            localRank, buffer, local => local.SumAsync(buffer, cancellationToken), () => owner._processes.SumAsync(buffer, cancellationToken), cancellationToken);

        public Task MaxAsync(float[] buffer, CancellationToken cancellationToken) => owner.ReduceAsync(
            localRank, buffer, local => local.MaxAsync(buffer, cancellationToken), () => owner._processes.MaxAsync(buffer, cancellationToken), cancellationToken);
    }
}
