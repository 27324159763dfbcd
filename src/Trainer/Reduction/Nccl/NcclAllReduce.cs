using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Orchestrator.Trainer.Reduction.Nccl;

/// <summary>
/// One worker's rank in an NCCL communicator (one rank per GPU, every worker of every node; NCCL reduces within
/// a node and across nodes itself). The buffers of <see cref="IAllReduce"/> are host arrays: each call copies
/// the array into a device buffer on this rank's own CUDA stream, all-reduces it there (ncclAllReduce, in
/// place), and copies it back. Float sums travel as bfloat16 or float16 when cluster.transfer_dtype says so
/// (converted on the host, summed by NCCL in that type), as on the ring.
/// </summary>
/// <remarks>
/// Every call is bounded by the collective timeout: the calling thread polls the stream and NCCL's
/// asynchronous error, and past the timeout it aborts the communicator (ncclCommAbort), which makes the kernels
/// of every rank in this process return, and throws naming the generation. NCCL does not say which peer did not
/// answer. After an abort or any failure the member is broken: the group must be re-formed (a new generation,
/// a new unique id). Disposing aborts too, so a teardown releases a worker blocked in a collective.
/// Not run on a GPU here: the machines that build this have none (docs/allreduce.md).
/// </remarks>
internal sealed class NcclAllReduce : IAllReduce, IDisposable
{
    private readonly NcclNative _nccl;
    private readonly IntPtr _comm;
    private readonly IntPtr _stream;
    private readonly int _device;
    private readonly long _generation;
    private readonly TimeSpan _timeout;
    private readonly RingWireFormat _wire;
    private readonly object _gate = new();
    private IntPtr _buffer;
    private nuint _bufferBytes;
    private string? _broken;
    private int _aborted;
    private bool _released;
    private long _calls;

    private NcclAllReduce(NcclNative nccl, IntPtr comm, IntPtr stream, int device, int rank, int worldSize, long generation, TimeSpan timeout, RingWireFormat wire)
    {
        _nccl = nccl;
        _comm = comm;
        _stream = stream;
        _device = device;
        Rank = rank;
        WorldSize = worldSize;
        _generation = generation;
        _timeout = timeout;
        _wire = wire;
    }

    public int Rank { get; }

    public int WorldSize { get; }

    /// <summary>
    /// The members of one node's workers: global ranks <paramref name="firstRank"/> .. + <paramref name="devices"/>.Count - 1,
    /// worker i on CUDA device <paramref name="devices"/>[i]. ncclCommInitRank blocks until every rank of the
    /// communicator called it, so each member is initialised on a thread of its own, and all wait together.
    /// </summary>
    public static async Task<IReadOnlyList<NcclAllReduce>> CreateMembersAsync(
        NcclNative nccl, byte[] uniqueId, int worldSize, int firstRank, IReadOnlyList<int> devices, long generation,
        TimeSpan timeout, RingWireFormat wire, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nccl);
        ArgumentNullException.ThrowIfNull(devices);
        var id = NcclNative.UniqueId.From(uniqueId);
        var starting = devices
            .Select((device, i) => Task.Factory.StartNew(
                () => Create(nccl, id, worldSize, firstRank + i, device, generation, timeout, wire),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToList();
        try
        {
            // A rank that never joins leaves ncclCommInitRank waiting (NCCL's blocking init): the coordinator's
            // formation timeout re-forms the group, and that thread stays blocked until the process ends.
            return await Task.WhenAll(starting).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                started.Result.Dispose();
            }
            throw;
        }
    }

    public Task SumAsync(long[] buffer, CancellationToken cancellationToken) =>
        RunAsync(buffer, NcclNative.Int64, NcclNative.Sum, "sum of int64", cancellationToken);

    public Task SumAsync(float[] buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (_wire == RingWireFormat.Float32)
        {
            return RunAsync(buffer, NcclNative.Float32, NcclNative.Sum, "sum of float32", cancellationToken);
        }
        return Task.Factory.StartNew(() =>
        {
            var wire = new ushort[buffer.Length];
            if (_wire == RingWireFormat.BFloat16)
            {
                RingArithmetic.ToBFloat16(buffer, wire);
                Reduce(wire, NcclNative.BFloat16, NcclNative.Sum, "sum of bfloat16", cancellationToken);
                RingArithmetic.FromBFloat16(wire, buffer);
            }
            else
            {
                RingArithmetic.ToHalf(buffer, wire);
                Reduce(wire, NcclNative.Float16, NcclNative.Sum, "sum of float16", cancellationToken);
                RingArithmetic.FromHalf(wire, buffer);
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public Task MaxAsync(float[] buffer, CancellationToken cancellationToken) =>
        RunAsync(buffer, NcclNative.Float32, NcclNative.Max, "max of float32", cancellationToken);

    /// <summary>Aborts the communicator (a collective in flight returns at once) and frees the device buffer and the stream.</summary>
    public void Dispose()
    {
        Abort($"generation {_generation} ended");
        lock (_gate)
        {
            if (_released)
            {
                return;
            }
            _released = true;
            if (_buffer != IntPtr.Zero)
            {
                _nccl.Free(_buffer);
            }
            _nccl.StreamDestroy(_stream);
        }
    }

    private static NcclAllReduce Create(
        NcclNative nccl, NcclNative.UniqueId id, int worldSize, int rank, int device, long generation, TimeSpan timeout, RingWireFormat wire)
    {
        nccl.CheckCuda(nccl.SetDevice(device), $"cudaSetDevice({device})");
        nccl.CheckCuda(nccl.StreamCreateWithFlags(out var stream, NcclNative.StreamNonBlocking), "cudaStreamCreateWithFlags");
        int result = nccl.CommInitRank(out var comm, worldSize, id, rank);
        if (result != NcclNative.Success)
        {
            nccl.StreamDestroy(stream);
            nccl.Check(result, $"ncclCommInitRank (generation {generation}, rank {rank} of {worldSize}, device {device})");
        }
        return new NcclAllReduce(nccl, comm, stream, device, rank, worldSize, generation, timeout, wire);
    }

    private Task RunAsync<T>(T[] buffer, int dataType, int op, string what, CancellationToken cancellationToken)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Task.Factory.StartNew(
            () => Reduce(buffer, dataType, op, what, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    // One collective at a time, in call order (every rank calls the same sequence).
    private void Reduce<T>(T[] buffer, int dataType, int op, string what, CancellationToken cancellationToken)
        where T : unmanaged
    {
        lock (_gate)
        {
            long call = ++_calls;
            ThrowIfBroken();
            var bytes = (nuint)(buffer.Length * Marshal.SizeOf<T>());
            if (bytes == 0)
            {
                return;
            }
            var pinned = GCHandle.Alloc(buffer, GCHandleType.Pinned);
            try
            {
                var host = pinned.AddrOfPinnedObject();
                _nccl.CheckCuda(_nccl.SetDevice(_device), $"cudaSetDevice({_device})");
                var device = DeviceBuffer(bytes);
                _nccl.CheckCuda(_nccl.MemcpyAsync(device, host, bytes, NcclNative.HostToDevice, _stream), "cudaMemcpyAsync to the device");
                _nccl.Check(_nccl.AllReduce(device, device, (nuint)buffer.Length, dataType, op, _comm, _stream), "ncclAllReduce");
                _nccl.CheckCuda(_nccl.MemcpyAsync(host, device, bytes, NcclNative.DeviceToHost, _stream), "cudaMemcpyAsync to the host");
                Wait($"call {call} ({what} of {buffer.Length} elements)", cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                Abort(e.Message);
                throw new CollectiveFailedException(Describe($"call {call} ({what}) failed: {e.Message}"), -1, "nccl", e);
            }
            finally
            {
                pinned.Free();
            }
        }
    }

    private void Wait(string call, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (true)
        {
            int query = _nccl.StreamQuery(_stream);
            if (query == NcclNative.CudaSuccess)
            {
                ThrowIfBroken();
                return;
            }
            if (query != NcclNative.CudaErrorNotReady)
            {
                _nccl.CheckCuda(query, $"cudaStreamQuery ({call})");
            }
            _nccl.Check(_nccl.CommGetAsyncError(_comm, out int error), "ncclCommGetAsyncError");
            if (error is not (NcclNative.Success or NcclNative.InProgress))
            {
                _nccl.Check(error, $"ncclAllReduce ({call})");
            }
            ThrowIfBroken();
            if (cancellationToken.IsCancellationRequested)
            {
                Abort($"{call} was cancelled");
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (clock.Elapsed > _timeout)
            {
                string reason = $"{call} did not complete within {_timeout.TotalSeconds:0.#} s; the communicator was aborted (ncclCommAbort)";
                Abort(reason);
                throw new CollectiveTimeoutException(Describe(reason) + "; NCCL does not say which peer did not answer", -1, "nccl");
            }
            // A reduction takes milliseconds: spin first, then yield the core.
            if (spin.NextSpinWillYield)
            {
                Thread.Sleep(1);
            }
            else
            {
                spin.SpinOnce();
            }
        }
    }

    private IntPtr DeviceBuffer(nuint bytes)
    {
        if (bytes > _bufferBytes)
        {
            if (_buffer != IntPtr.Zero)
            {
                _nccl.CheckCuda(_nccl.Free(_buffer), "cudaFree");
                _buffer = IntPtr.Zero;
            }
            _nccl.CheckCuda(_nccl.Malloc(out _buffer, bytes), $"cudaMalloc of {bytes} bytes");
            _bufferBytes = bytes;
        }
        return _buffer;
    }

    private void Abort(string reason)
    {
        Interlocked.CompareExchange(ref _broken, reason, null);
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _nccl.CommAbort(_comm);
        }
    }

    private void ThrowIfBroken()
    {
        if (Volatile.Read(ref _broken) is { } reason)
        {
            throw new CollectiveAbortedException(Describe($"the communicator is aborted ({reason}); re-form the group with a new generation"));
        }
    }

    private string Describe(string what) => $"NCCL rank {Rank} of {WorldSize} (generation {_generation}, device {_device}): {what}";
}
