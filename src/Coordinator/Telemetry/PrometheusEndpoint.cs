using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Metrics;
using Orchestrator.Core.RunSpec;
using Orchestrator.Coordinator.Serving;

namespace Orchestrator.Coordinator.Telemetry;

/// <summary>
/// GET /metrics in Prometheus's text format, served by OpenTelemetry's Prometheus exporter from the
/// process's meter provider on a Kestrel server of its own (telemetry.prometheus). It counts the scrapes,
/// so that a process about to end can wait for one that carries its last values.
/// </summary>
internal sealed class PrometheusEndpoint : IAsyncDisposable
{
    public const string Path = "/metrics";

    private readonly WebApplication _app;
    private readonly Lock _lock = new();

    // Completed by the scrapes that began after the last AwaitNextScrapeAsync call began.
    private TaskCompletionSource _scrapedSince = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PrometheusEndpoint(WebApplication app) => _app = app;

    /// <summary>The scrape URL, with the port the system chose when 0 was asked for.</summary>
    public Uri Address { get; private set; } = null!;

    public static async Task<PrometheusEndpoint> StartAsync(
        MeterProvider meters, PrometheusSection spec, CancellationToken cancellationToken)
    {
        var app = EmbeddedWebServer.CreateBuilder(spec.Host, spec.Port).Build();
        var endpoint = new PrometheusEndpoint(app);
        app.Use(async (context, next) =>
        {
            TaskCompletionSource scraped;
            lock (endpoint._lock)
            {
                scraped = endpoint._scrapedSince;
            }
            await next(context);
            if (context.Request.Path == Path)
            {
                scraped.TrySetResult();
            }
        });
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: null, path: Path, configureBranchedPipeline: null, optionsName: null);
        var root = await EmbeddedWebServer.StartAsync(app, "telemetry.prometheus (or --metrics-port)", cancellationToken);
        endpoint.Address = new Uri(root, Path);
        return endpoint;
    }

    /// <summary>
    /// Waits until a scrape that began after this call has been answered, or <paramref name="limit"/> has
    /// passed: Prometheus pulls, so values recorded just before a process ends reach it only this way.
    /// </summary>
    /// <returns>Whether such a scrape came in time.</returns>
    public async Task<bool> AwaitNextScrapeAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        Task next;
        lock (_lock)
        {
            _scrapedSince = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            next = _scrapedSince.Task;
        }
        var first = await Task.WhenAny(next, Task.Delay(limit, cancellationToken));
        await first;
        return first == next;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
