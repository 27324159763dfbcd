using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// A Kestrel server that is one part of a larger program (the checkpoint service and run page, the
/// metrics endpoint): bound to the host and port of the spec, settings from the spec only, warnings only
/// in the log, and Ctrl-C left to the program.
/// </summary>
internal static class EmbeddedWebServer
{
    /// <summary>A builder that listens on <paramref name="host"/> (an IP address, localhost, or * for every interface) and <paramref name="port"/> (0: any free one).</summary>
    public static WebApplicationBuilder CreateBuilder(string host, int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);

        // No command-line arguments and the program's folder as content root: the server's settings
        // come from the spec, not from an appsettings.json that happens to be in the working folder.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (host == "*")
            {
                kestrel.ListenAnyIP(port);
            }
            else
            {
                kestrel.Listen(host == "localhost" ? IPAddress.Loopback : ParseAddress(host), port);
            }
        });
        return builder;
    }

    /// <summary>
    /// Starts <paramref name="app"/> and returns the address it listens on (with the port chosen when 0 was
    /// asked for); disposes it when the start fails. A port that cannot be bound is an error naming
    /// <paramref name="origin"/>, the spec section that chose it.
    /// </summary>
    public static async Task<Uri> StartAsync(WebApplication app, string origin, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"{origin}: {e.Message} Expected a free port (0 picks one).", e);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new Uri(app.Urls.First());
    }

    private static IPAddress ParseAddress(string host) =>
        IPAddress.TryParse(host, out var address)
            ? address
            : throw new ArgumentException($"host \"{host}\"; expected an IP address, localhost or *", nameof(host));
}
