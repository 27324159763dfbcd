namespace Orchestrator.Integration.Tests;

/// <summary>
/// The spans of an OTLP ExportTraceServiceRequest, read straight off the protobuf wire format
/// (opentelemetry-proto trace.proto: ResourceSpans = 1 > ScopeSpans = 2 > Span = 2; in a Span,
/// trace_id = 1, span_id = 2, parent_span_id = 4, name = 5). <see cref="Process"/> is the exporting
/// process's service.instance.id (ResourceSpans.resource = 1 > attributes = 1 > KeyValue key = 1,
/// value = 2 > AnyValue string_value = 1).
/// </summary>
internal sealed record OtlpSpan(string Name, string TraceId, string SpanId, string ParentSpanId, string Process)
{
    public static List<OtlpSpan> Parse(byte[] request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Fields(request, 1))
        {
            string process = Fields(First(resourceSpans, 1), 1)
                .Where(attribute => Text(First(attribute, 1)) == "service.instance.id")
                .Select(attribute => Text(First(First(attribute, 2), 1)))
                .FirstOrDefault() ?? "";
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    spans.Add(new OtlpSpan(
                        Text(First(span, 5)),
                        Convert.ToHexString(First(span, 1)),
                        Convert.ToHexString(First(span, 2)),
                        Convert.ToHexString(First(span, 4)),
                        process));
                }
            }
        }
        return spans;
    }

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    private static byte[] First(byte[] message, int field) => Fields(message, field).FirstOrDefault() ?? [];

    // Length-delimited fields numbered `field`; other fields are skipped by wire type.
    private static IEnumerable<byte[]> Fields(byte[] message, int field)
    {
        int i = 0;
        while (i < message.Length)
        {
            ulong key = Varint(message, ref i);
            int number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    Varint(message, ref i);
                    break;
                case 1:
                    i += 8;
                    break;
                case 5:
                    i += 4;
                    break;
                case 2:
                    int length = (int)Varint(message, ref i);
                    if (number == field)
                    {
                        yield return message[i..(i + length)];
                    }
                    i += length;
                    break;
                default:
                    throw new InvalidDataException($"unexpected protobuf wire type {key & 7} at byte {i}");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int i)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
