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

    public static TelemetryExport Start(TelemetrySection spec)
    {
        if (spec.OtlpEndpoint.Length == 0)
        {
            return new TelemetryExport(null, null);
        }
        var protocol = spec.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var resource = ResourceBuilder.CreateDefault().AddService("orchestrator");
        void Configure(OtlpExporterOptions o)
        {
            o.Endpoint = new Uri(spec.OtlpEndpoint);
            o.Protocol = protocol;
        }
        var meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(OrchestratorTelemetry.Name)
            .AddOtlpExporter(Configure)
            .Build();
        var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(OrchestratorTelemetry.Name)
            .AddOtlpExporter(Configure)
            .Build();
        return new TelemetryExport(meters, tracer);
    }

    public void Dispose()
    {
        _meters?.Dispose();
        _tracer?.Dispose();
    }
}
