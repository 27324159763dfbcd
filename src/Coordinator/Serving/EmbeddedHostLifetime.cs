using Microsoft.Extensions.Hosting;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// The lifetime of a web host that is one part of a larger program: it leaves Ctrl-C and SIGTERM to
/// the program. The default console lifetime would take those signals for itself and stop only the
/// web host, so the program would not hear them and would keep running.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
