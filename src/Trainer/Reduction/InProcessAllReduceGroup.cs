namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// Workers of one process reduce in memory: each round waits for every rank's buffer, reduces them
/// in rank order, and writes the result back into every buffer. A round that does not fill within
/// the collective timeout fails for every rank with the ranks that did not answer.
/// </summary>
public sealed class InProcessAllReduceGroup
{
    private readonly object _gate = new();
    private readonly Dictionary<long, Round> _rounds = [];
    private readonly long[] _nextRound;
    private readonly TimeSpan _timeout;
    private string? _aborted;

    public InProcessAllReduceGroup(int worldSize, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        WorldSize = worldSize;
        _timeout = timeout;
        _nextRound = new long[worldSize];
    }

    public int WorldSize { get; }

    /// <summary>The member of rank <paramref name="rank"/>.</summary>
    public IAllReduce Member(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, WorldSize);
        return new GroupMember(this, rank);
    }

    /// <summary>
    /// Fails every waiting and every later collective of this group with <paramref name="reason"/>: a member
    /// blocked on a peer that will never come is released when the group is replaced.
    /// </summary>
    public void Abort(string reason)
    {
        List<Round> waiting;
        lock (_gate)
        {
            _aborted ??= reason;
            waiting = [.. _rounds.Values];
            _rounds.Clear();
        }
        foreach (var round in waiting)
        {
            round.Done.TrySetException(new CollectiveAbortedException($"all-reduce round {round.Id} ({round.Operation}) abandoned: {reason}"));
        }
    }

    private async Task ReduceAsync<T>(int rank, T[] buffer, Func<T, T, T> combine, string operation, CancellationToken cancellationToken)
    {
        Round round;
        bool complete;
        lock (_gate)
        {
            if (_aborted is not null)
            {
                throw new CollectiveAbortedException($"the in-process group was torn down: {_aborted}");
            }
            long id = _nextRound[rank]++;
            if (!_rounds.TryGetValue(id, out round!))
            {
                round = new Round(id, operation, buffer.Length, WorldSize);
                _rounds[id] = round;
            }
            if (round.Operation != operation || round.Length != buffer.Length)
            {
                var mismatch = new InvalidOperationException(
                    $"all-reduce round {id}: rank {rank} called {operation} with {buffer.Length} elements; " +
                    $"another rank called {round.Operation} with {round.Length}. Every rank must run the same collectives in the same order.");
                round.Done.TrySetException(mismatch);
                throw mismatch;
            }
            round.Buffers[rank] = buffer;
            complete = round.Buffers.All(b => b is not null);
            if (complete)
            {
                _rounds.Remove(id);
            }
        }

        if (complete)
        {
            var result = (T[])round.Buffers[0]!.Clone();
            for (int r = 1; r < WorldSize; r++)
            {
                var other = (T[])round.Buffers[r]!;
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = combine(result[i], other[i]);
                }
            }
            for (int r = 0; r < WorldSize; r++)
            {
                result.CopyTo((T[])round.Buffers[r]!, 0);
            }
            round.Done.TrySetResult();
        }

        try
        {
            await round.Done.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string missing;
            lock (_gate)
            {
                missing = string.Join(", ", Enumerable.Range(0, WorldSize).Where(r => round.Buffers[r] is null));
                _rounds.Remove(round.Id);
            }
            var timeout = new TimeoutException(
                $"all-reduce round {round.Id} ({operation}) timed out after {_timeout.TotalSeconds:0.#} s on rank {rank}: rank(s) {missing} did not answer.");
            round.Done.TrySetException(timeout);
            throw timeout;
        }
    }

    private sealed class Round(long id, string operation, int length, int worldSize)
    {
        public long Id { get; } = id;
        public string Operation { get; } = operation;
        public int Length { get; } = length;
        public Array?[] Buffers { get; } = new Array?[worldSize];
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class GroupMember(InProcessAllReduceGroup group, int rank) : IAllReduce
    {
        public int Rank => rank;

        public int WorldSize => group.WorldSize;

        public Task SumAsync(long[] buffer, CancellationToken cancellationToken) =>
            group.ReduceAsync(rank, buffer, static (a, b) => a + b, "sum-int64", cancellationToken);

        public Task SumAsync(float[] buffer, CancellationToken cancellationToken) =>
            group.ReduceAsync(rank, buffer, static (a, b) => a + b, "sum-float32", cancellationToken);

        public Task MaxAsync(float[] buffer, CancellationToken cancellationToken) =>
            group.ReduceAsync(rank, buffer, MathF.Max, "max-float32", cancellationToken);
    }
}
