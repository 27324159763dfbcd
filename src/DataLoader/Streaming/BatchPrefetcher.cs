using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Orchestrator.Core.Telemetry;
using Orchestrator.DataLoader.Batching;

namespace Orchestrator.DataLoader.Streaming;

/// <summary>
/// Reads one worker's part of consecutive global steps ahead of the trainer: while step s computes,
/// steps s+1 .. s+depth are read and decoded, and the reader waits when that many are ready
/// (a bounded channel: back-pressure, so memory stays at depth batches).
/// </summary>
/// <remarks>
/// A System.Threading.Channels bounded channel rather than an Akka.Streams graph: the pipeline is one
/// producer and one consumer in one process, which a channel expresses directly, with back-pressure
/// (WriteAsync waits when full), completion and error propagation built in, and without a
/// materializer or actor system on the trainer's side. Decoding within a step is already parallel
/// (BatchSource's decode threads). The worker's slice is fixed for the prefetcher's life: after a
/// resume or a change of world size the trainer disposes it and starts a new one at the next step,
/// whose batches do not depend on what the old one had read ahead.
/// </remarks>
public sealed class BatchPrefetcher : IAsyncDisposable
{
    private readonly BatchSource _source;
    private readonly int _start;
    private readonly int _count;
    private readonly long _endStep;
    private readonly Channel<TrainingBatch>? _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer = Task.CompletedTask;
    private long _nextStep;
    private long _samples;
    private double _busySeconds;

    /// <param name="source">Where batches are read.</param>
    /// <param name="firstStep">The first global step the trainer will ask for.</param>
    /// <param name="endStep">One past the last step to read ahead (the run's total steps).</param>
    /// <param name="start">First position of this worker's slice of the global batch.</param>
    /// <param name="count">Positions in the slice.</param>
    /// <param name="depth">Batches read ahead (data.prefetch_batches); 0 reads each step when asked.</param>
    public BatchPrefetcher(BatchSource source, long firstStep, long endStep, int start, int count, int depth)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(endStep, firstStep);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        _source = source;
        _start = start;
        _count = count;
        _endStep = endStep;
        _nextStep = firstStep;
        Depth = depth;
        if (depth > 0)
        {
            _channel = Channel.CreateBounded<TrainingBatch>(new BoundedChannelOptions(depth)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _producer = Task.Run(() => ProduceAsync(firstStep, _stop.Token));
        }
    }

    /// <summary>Batches read ahead at most.</summary>
    public int Depth { get; }

    /// <summary>Batches decoded and waiting now.</summary>
    public int QueueDepth => _channel?.Reader.Count ?? 0;

    /// <summary>The batch of global step <paramref name="step"/>, which must be the step after the previous call's (the first: firstStep).</summary>
    public async Task<TrainingBatch> NextAsync(long step, CancellationToken ct = default)
    {
        if (step != _nextStep)
        {
            throw new ArgumentException(
                $"The prefetcher is at step {_nextStep} but step {step} was asked for; start a new prefetcher after a resume or a change of world size.",
                nameof(step));
        }

        if (step >= _endStep)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"The prefetcher reads steps up to {_endStep - 1}.");
        }

        _nextStep++;
        if (_channel is null)
        {
            return await ReadTimedAsync(step, ct);
        }

        OrchestratorTelemetry.RecordPrefetchQueueDepth(_channel.Reader.Count);

        // A failed read completes the channel with its exception, which ReadAsync rethrows here.
        try
        {
            return await _channel.Reader.ReadAsync(ct);
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <summary>Stops reading ahead and disposes the batches read but not taken.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _producer;
        }
        catch (OperationCanceledException)
        {
            // Expected: the producer was waiting for room or reading when it was stopped.
        }

        if (_channel is not null)
        {
            while (_channel.Reader.TryRead(out TrainingBatch? batch))
            {
                batch.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task ProduceAsync(long firstStep, CancellationToken ct)
    {
        Channel<TrainingBatch> channel = _channel!;
        try
        {
            for (long step = firstStep; step < _endStep; step++)
            {
                TrainingBatch batch = await ReadTimedAsync(step, ct);
                try
                {
                    await channel.Writer.WriteAsync(batch, ct);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }

            channel.Writer.TryComplete();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Any failure but our own stop reaches the trainer; nothing may leave it waiting.
            channel.Writer.TryComplete(e);
        }
    }

    private async Task<TrainingBatch> ReadTimedAsync(long step, CancellationToken ct)
    {
        long began = Stopwatch.GetTimestamp();
        TrainingBatch batch = await _source.ReadAsync(step, _start, _count, ct);
        _busySeconds += Stopwatch.GetElapsedTime(began).TotalSeconds;
        _samples += batch.Count;
        if (_busySeconds > 0)
        {
            OrchestratorTelemetry.RecordLoaderSamplesPerSecond(_samples / _busySeconds);
        }

        return batch;
    }
}
