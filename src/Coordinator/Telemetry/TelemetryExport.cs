using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Telemetry;

namespace Orchestrator.Coordinator.Telemetry;

/// <summary>
/// Export of the Orchestrator meter and activity source from one process (docs/telemetry.md): OTLP
/// metrics and traces when telemetry.otlp_endpoint is set, a Prometheus scrape endpoint when
/// telemetry.prometheus is.
/// </summary>
public sealed class TelemetryExport : IAsyncDisposable
{
    // Dashboards refresh every few seconds; the default of 60 s would hide short runs until their end.
    private const int ExportIntervalMilliseconds = 5000;

    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _tracer;
    private readonly PrometheusEndpoint? _prometheus;
    private readonly PrometheusSection? _prometheusSpec;

    private TelemetryExport(MeterProvider? meters, TracerProvider? tracer, PrometheusEndpoint? prometheus, PrometheusSection? prometheusSpec)
    {
        _meters = meters;
        _tracer = tracer;
        _prometheus = prometheus;
        _prometheusSpec = prometheusSpec;
    }

    /// <summary>The Prometheus scrape URL while it is served.</summary>
    public Uri? PrometheusAddress => _prometheus?.Address;

    /// <summary>
    /// Starts what <paramref name="spec"/> asks for. <paramref name="role"/> (train, coordinator, trainer,
    /// evaluator) names the process in the exported resource; <paramref name="prometheusPort"/>
    /// (--metrics-port) overrides telemetry.prometheus.port, for processes that share a host.
    /// </summary>
    public static async Task<TelemetryExport> StartAsync(
        TelemetrySection spec, string role, int? prometheusPort = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        bool otlp = spec.OtlpEndpoint.Length > 0;
        var prometheus = spec.Prometheus is { } p ? p with { Port = prometheusPort ?? p.Port } : null;
        if (!otlp && prometheus is null)
        {
            return new TelemetryExport(null, null, null, null);
        }

        // service.instance.id tells the processes of one run apart in a tracing backend.
        var resource = ResourceBuilder.CreateDefault().AddService(
            "orchestrator", serviceInstanceId: string.Create(CultureInfo.InvariantCulture, $"{role}-{Environment.MachineName}-{Environment.ProcessId}"));
        var protocol = spec.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var meterBuilder = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(OrchestratorTelemetry.Name);
        if (otlp)
        {
            meterBuilder.AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, spec, protocol, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = ExportIntervalMilliseconds;
            });
        }
        if (prometheus is not null)
        {
            // Every scrape collects afresh: the default 300 ms response cache could hand the final scrape
            // (AwaitFinalScrapeAsync) values from before the run's end.
            meterBuilder.AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0);
        }
        var meters = meterBuilder.Build();
        var tracer = otlp
            ? Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(OrchestratorTelemetry.Name)
                .AddOtlpExporter(exporter => Configure(exporter, spec, protocol, "v1/traces"))
                .Build()
            : null;

        PrometheusEndpoint? endpoint = null;
        if (prometheus is not null)
        {
            try
            {
                endpoint = await PrometheusEndpoint.StartAsync(meters, prometheus, cancellationToken);
            }
            catch
            {
                meters.Dispose();
                tracer?.Dispose();
                throw;
            }
            System.Console.WriteLine($"metrics served at {endpoint.Address}");
        }
        return new TelemetryExport(meters, tracer, endpoint, prometheus);
    }

    /// <summary>
    /// At the normal end of a process: waits up to telemetry.prometheus.final_scrape_seconds for one more
    /// scrape, so that the values recorded last (the final evaluation) reach Prometheus, which pulls.
    /// </summary>
    public async Task AwaitFinalScrapeAsync(CancellationToken cancellationToken)
    {
        if (_prometheus is null || _prometheusSpec!.FinalScrapeSeconds <= 0)
        {
            return;
        }
        var limit = TimeSpan.FromSeconds(_prometheusSpec.FinalScrapeSeconds);
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"metrics: waiting up to {limit.TotalSeconds:0.#} s for a last scrape of {_prometheus.Address}"));
        if (!await _prometheus.AwaitNextScrapeAsync(limit, cancellationToken))
        {
            System.Console.WriteLine("metrics: no scrape came; the last values were not collected by Prometheus");
        }
    }

    // With HTTP/protobuf an endpoint set in code is used as given, so the signal's path is added here
    // (OTLP specification, "OTLP/HTTP": /v1/metrics, /v1/traces); gRPC takes the bare endpoint.
    private static void Configure(OtlpExporterOptions exporter, TelemetrySection spec, OtlpExportProtocol protocol, string signalPath)
    {
        var endpoint = new Uri(spec.OtlpEndpoint);
        if (protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or "")
        {
            endpoint = new Uri(endpoint, signalPath);
        }
        exporter.Endpoint = endpoint;
        exporter.Protocol = protocol;
    }

    /// <summary>Flushes what is buffered (the last metrics and spans of a run) and stops exporting and serving.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
        _meters?.Dispose();
        _tracer?.Dispose();
    }
}
