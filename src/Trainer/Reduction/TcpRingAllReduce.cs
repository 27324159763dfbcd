namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// The gradient data plane between processes: a ring all-reduce over this member's own TCP
/// connections, one generation at a time (rank i sends to rank i + 1 and receives from rank i - 1).
/// Each collective is bounded by <see cref="TcpRingOptions.Timeout"/>: on expiry, a closed socket or a
/// cancelled token every member's call throws a <see cref="CollectiveFailedException"/> naming the peer,
/// and this ring is unusable afterwards; the coordinator re-forms the group with a new generation.
/// A connection whose two ends share the host moves its bytes through shared memory instead of TCP
/// (<see cref="TcpRingOptions.SharedMemory"/>); the frames, their order and the results are the same.
/// </summary>
public sealed class TcpRingAllReduce : IAllReduce, IDisposable
{
    private readonly RingChannel? _left;
    private readonly RingChannel? _right;
    private readonly byte[] _receiveScratch;
    private readonly byte[] _sendScratch;
    private long _sequence;
    private int _busy;
    private Exception? _broken;
    private bool _disposed;

    private TcpRingAllReduce(RingGeneration generation, TcpRingOptions options, RingChannel? left, RingChannel? right)
    {
        Generation = generation;
        Options = options;
        _left = left;
        _right = right;
        // The whole per-ring pool: one piece to receive into and one to encode 16-bit floats into.
        _receiveScratch = left is null ? [] : GC.AllocateUninitializedArray<byte>(options.PieceBytes);
        _sendScratch = left is null || options.WireFormat == RingWireFormat.Float32 ? [] : GC.AllocateUninitializedArray<byte>(options.PieceBytes / 2);
    }

    public RingGeneration Generation { get; }

    public TcpRingOptions Options { get; }

    public int Rank => Generation.Rank;

    public int WorldSize => Generation.WorldSize;

    /// <summary>How bytes arrive from the left neighbour; null in a ring of one.</summary>
    public RingTransport? LeftTransport => _left?.Transport;

    /// <summary>How bytes go to the right neighbour; null in a ring of one.</summary>
    public RingTransport? RightTransport => _right?.Transport;

    /// <summary>
    /// Joins generation <paramref name="generation"/>: connects to the right neighbour and accepts the left
    /// one on <paramref name="listener"/> (whose endpoint must be Peers[Rank]), both within the timeout.
    /// </summary>
    public static async Task<TcpRingAllReduce> ConnectAsync(
        RingListener listener, RingGeneration generation, TcpRingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(generation);
        ArgumentNullException.ThrowIfNull(options);
        generation.Validate();
        options.Validate();
        var own = RingGeneration.ParseEndpoint(generation.Peers[generation.Rank], generation.Rank);
        var bound = RingGeneration.ParseEndpoint(listener.Endpoint, generation.Rank);
        if (own.Port != bound.Port)
        {
            throw new ArgumentException(
                $"Peers[{generation.Rank}] is '{generation.Peers[generation.Rank]}' but this member listens on {listener.Endpoint}", nameof(generation));
        }
        if (generation.WorldSize == 1)
        {
            return new TcpRingAllReduce(generation, options, null, null);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(options.Timeout);
        var connect = Task.Factory.StartNew(
            () => RingHandshake.ConnectRight(generation, options, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var accept = Task.Factory.StartNew(
            () => RingHandshake.AcceptLeft(listener, generation, options, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // Either side failing ends the other at once rather than at the timeout.
        _ = connect.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _ = accept.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            await Task.WhenAll(connect, accept).ConfigureAwait(false);
            return new TcpRingAllReduce(generation, options, accept.Result, connect.Result);
        }
        catch
        {
            if (connect.IsCompletedSuccessfully) connect.Result.Dispose();
            if (accept.IsCompletedSuccessfully) accept.Result.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            var refused = new[] { connect, accept }.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            if (refused is not null)
            {
                throw refused;
            }
            int peer = connect.IsCompletedSuccessfully ? generation.Left : generation.Right;
            string role = peer == generation.Right ? "accept a connection from" : "connect to";
            throw new CollectiveTimeoutException(
                $"rank {generation.Rank} of generation {generation.Generation}: rank {peer} ({generation.Peers[peer]}) did not {role} it within {options.Timeout.TotalSeconds:0.###} s",
                peer, generation.Peers[peer]);
        }
    }

    public Task SumAsync(long[] buffer, CancellationToken cancellationToken) =>
        RunAsync(buffer, RingOperation.SumInt64, RingWireFormat.Float32, cancellationToken);

    public Task SumAsync(float[] buffer, CancellationToken cancellationToken) =>
        RunAsync(buffer, RingOperation.SumFloat32, Options.WireFormat, cancellationToken);

    public Task MaxAsync(float[] buffer, CancellationToken cancellationToken) =>
        RunAsync(buffer, RingOperation.MaxFloat32, RingWireFormat.Float32, cancellationToken);

    /// <summary>Closes both ring connections; a collective in flight fails at once on this member and, through its sockets, on the neighbours.</summary>
    public void Dispose()
    {
        _disposed = true;
        Close();
    }

    private async Task RunAsync<T>(T[] buffer, RingOperation operation, RingWireFormat wire, CancellationToken cancellationToken)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _broken) is { } broken)
        {
            throw new CollectiveFailedException(
                $"the ring of generation {Generation.Generation} failed earlier ({broken.Message}); re-form the group with a new generation",
                broken is CollectiveFailedException f ? f.PeerRank : Rank, broken is CollectiveFailedException g ? g.PeerEndpoint : Generation.Peers[Rank], broken);
        }
        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            throw new InvalidOperationException("a TcpRingAllReduce runs one collective at a time; await the previous one first");
        }
        try
        {
            long sequence = _sequence++;
            if (_left is null || _right is null)
            {
                return;
            }
            var pass = new RingPass<T>(this, _left, _right, buffer, operation, wire, sequence, _receiveScratch, _sendScratch);
            // The channels' memory stays mapped until the pass has left, even if Dispose or a cancellation closes them meanwhile.
            _left.Enter();
            try
            {
                _right.Enter();
                try
                {
                    using (cancellationToken.Register(() =>
                    {
                        pass.Fail(new OperationCanceledException($"{operation} call {sequence} was cancelled on rank {Rank}", cancellationToken));
                        Close();
                    }))
                    {
                        // A thread of its own: the pass blocks in poll(2) between bursts, and the caller may overlap other work (GradientBuckets).
                        await Task.Factory.StartNew(pass.Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _right.Exit();
                }
            }
            finally
            {
                _left.Exit();
            }
            if (pass.Failure is { } failure)
            {
                Volatile.Write(ref _broken, failure);
                Close();
                throw failure;
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Close()
    {
        _left?.Dispose();
        _right?.Dispose();
    }
}
