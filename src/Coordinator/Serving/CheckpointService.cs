using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// Serves the checkpoints of a store over HTTP, read-only, to evaluator nodes (docs/checkpoint-service.md):
/// <c>GET /checkpoints</c> lists them, <c>GET /checkpoints/{ref}</c> describes one, <c>GET|HEAD
/// /checkpoints/{ref}/{file}</c> sends a file with range requests (RFC 9110, section 14). Every request
/// needs the bearer token.
/// </summary>
public sealed class CheckpointService : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // A diverged loss is NaN in a manifest's metrics; the listing must still be written.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly string[] ReadMethods = [HttpMethods.Get, HttpMethods.Head];

    private readonly WebApplication _app;

    private CheckpointService(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address the service listens on, with the port the system chose when 0 was asked for.</summary>
    public Uri Address { get; }

    /// <summary>Starts the service on the host, port and token source of a spec's checkpoint.serve section.</summary>
    public static Task<CheckpointService> StartAsync(CheckpointStore store, CheckpointServeSection serve, CancellationToken cancellationToken = default) =>
        StartAsync(store, serve.Host, serve.Port, ServiceToken.Read(serve), page: null, cancellationToken);

    /// <summary>Starts the service with the run page of a running coordinator beside the checkpoints.</summary>
    internal static Task<CheckpointService> StartAsync(
        CheckpointStore store, CheckpointServeSection serve, RunPage? page, CancellationToken cancellationToken = default) =>
        StartAsync(store, serve.Host, serve.Port, ServiceToken.Read(serve), page, cancellationToken);

    /// <summary>Starts the service.</summary>
    /// <param name="store">The checkpoints to serve.</param>
    /// <param name="host">An IP address, localhost, or * for every interface.</param>
    /// <param name="port">TCP port; 0 picks a free one (see <see cref="Address"/>).</param>
    /// <param name="token">The bearer token every request must carry.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static Task<CheckpointService> StartAsync(
        CheckpointStore store, string host, int port, string token, CancellationToken cancellationToken = default) =>
        StartAsync(store, host, port, token, page: null, cancellationToken);

    /// <summary>Starts the service, with <paramref name="page"/> (the run page) beside the checkpoints when given.</summary>
    internal static async Task<CheckpointService> StartAsync(
        CheckpointStore store, string host, int port, string token, RunPage? page, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var app = EmbeddedWebServer.CreateBuilder(host, port).Build();
        // The run page's HTML holds no run data and is the one path a browser can open without the token.
        var gate = new BearerTokenGate(token, page is null ? [] : [RunPage.PagePath]);
        app.Use(gate.InvokeAsync);
        MapEndpoints(app, store);
        page?.Map(app, ReadMethods);
        return new CheckpointService(app, await EmbeddedWebServer.StartAsync(app, "checkpoint.serve", cancellationToken));
    }

    /// <summary>Stops listening; requests in flight get the time <paramref name="cancellationToken"/> allows.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void MapEndpoints(WebApplication app, CheckpointStore store)
    {
        app.MapMethods("/checkpoints", ReadMethods, () => Results.Json(
            new { checkpoints = store.List().Where(i => i.Manifest is not null && ServedPaths.Folder(store, i.Name) is not null).Select(i => ServedCheckpoint.From(i, i.Manifest!)) },
            Json));

        app.MapMethods("/checkpoints/{reference}", ReadMethods, (string reference) =>
        {
            if (!ServedPaths.IsPlainName(reference))
            {
                return Results.BadRequest();
            }

            var folder = ServedPaths.Folder(store, reference);
            var info = folder is null ? null : store.List().FirstOrDefault(i => i.Path == folder);
            return info?.Manifest is { } manifest ? Results.Json(ServedCheckpoint.From(info, manifest), Json) : Results.NotFound();
        });

        app.MapMethods("/checkpoints/{reference}/{file}", ReadMethods, (string reference, string file) =>
        {
            if (!ServedPaths.IsPlainName(reference) || !ServedPaths.IsPlainName(file))
            {
                return Results.BadRequest();
            }

            var folder = ServedPaths.Folder(store, reference);
            var manifest = folder is null ? null : ServedPaths.Manifest(folder);
            var path = manifest is null ? null : ServedPaths.File(folder!, manifest, file);
            if (path is null)
            {
                return Results.NotFound();
            }

            // The manifest's sha256 is the entity tag, so that a client resuming with If-Range gets the
            // whole file again if the checkpoint was saved anew in between.
            var tag = manifest!.Files.TryGetValue(file, out var entry) ? new EntityTagHeaderValue($"\"{entry.Sha256}\"") : null;
            var contentType = file == CheckpointStore.ManifestFile ? "application/json" : "application/octet-stream";
            return Results.File(path, contentType, lastModified: File.GetLastWriteTimeUtc(path), entityTag: tag, enableRangeProcessing: true);
        });
    }
}
