using Microsoft.Extensions.Hosting;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// Runs the <see cref="CheckpointService"/> for the lifetime of a generic host, such as the run's
/// coordinator host, when the spec has a checkpoint.serve section.
/// </summary>
/// <param name="store">The run's checkpoint store.</param>
/// <param name="serve">The spec's checkpoint.serve section.</param>
/// <param name="started">Hears the bound address once the service listens.</param>
/// <param name="page">The run page served beside the checkpoints, when the host runs the run's coordinator.</param>
public sealed class CheckpointServiceHost(CheckpointStore store, CheckpointServeSection serve, Action<Uri>? started = null, RunPage? page = null)
    : IHostedService, IAsyncDisposable
{
    private CheckpointService? _service;

    /// <summary>The bound address while the service runs.</summary>
    public Uri? Address => _service?.Address;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _service = await CheckpointService.StartAsync(store, serve, page, cancellationToken);
        started?.Invoke(_service.Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_service is { } service)
        {
            _service = null;
            await service.StopAsync(cancellationToken);
            await service.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
