using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Telemetry;

namespace Orchestrator.Coordinator.Telemetry;

/// <summary>OTLP export of the Orchestrator meter and activity source, switched on by telemetry.otlp_endpoint.</summary>
public sealed class TelemetryExport : IDisposable
{
    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _tracer;

    private TelemetryExport(MeterProvider? meters, TracerProvider? tracer)
    {
        _meters = meters;
        _tracer = tracer;
    }

    // Dashboards refresh every few seconds; the default of 60 s would hide short runs until their end.
    private const int ExportIntervalMilliseconds = 5000;

    public static TelemetryExport Start(TelemetrySection spec)
    {
        if (spec.OtlpEndpoint.Length == 0)
        {
            return new TelemetryExport(null, null);
        }
        var protocol = spec.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var resource = ResourceBuilder.CreateDefault().AddService("orchestrator");
        var meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(OrchestratorTelemetry.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, spec, protocol, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = ExportIntervalMilliseconds;
            })
            .Build();
        var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(OrchestratorTelemetry.Name)
            .AddOtlpExporter(exporter => Configure(exporter, spec, protocol, "v1/traces"))
            .Build();
        return new TelemetryExport(meters, tracer);
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

    /// <summary>Flushes what is buffered (the last metrics and spans of a run) and stops exporting.</summary>
    public void Dispose()
    {
        _meters?.Dispose();
        _tracer?.Dispose();
    }
}
