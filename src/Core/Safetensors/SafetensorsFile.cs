using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Orchestrator.Core.Safetensors;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors, "Format"):
/// an unsigned 64-bit little-endian header size N, N bytes of UTF-8 JSON naming each tensor's
/// dtype, shape and [begin, end) byte offsets into the data that follows, and an optional
/// "__metadata__" map of strings. Loading runs no code, and PyTorch reads the files.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Largest header accepted (100 MiB, the reference implementation's bound against header bombs).</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes the tensors in the given order, data back to back; the header is padded with spaces
    /// so that the data starts at a multiple of 8 bytes.
    /// </summary>
    public static void Write(
        string path,
        IReadOnlyList<KeyValuePair<string, SafeTensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = Header(tensors, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)header.Length);
        stream.Write(size);
        stream.Write(header);
        foreach (var (_, tensor) in tensors)
        {
            stream.Write(tensor.Data);
        }
    }

    /// <summary>Reads and checks a whole file; a <see cref="SafetensorsException"/> says what is wrong and where.</summary>
    public static SafetensorsContent Read(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length < 8)
        {
            throw new SafetensorsException(path, null, $"file is {length} bytes long; expected at least 8 (the header size)");
        }

        var sizeBytes = new byte[8];
        ReadExactly(handle, sizeBytes, 0);
        var headerSize = BinaryPrimitives.ReadUInt64LittleEndian(sizeBytes);
        var maxHeader = Math.Min(MaxHeaderBytes, length - 8);
        if (headerSize > (ulong)maxHeader)
        {
            throw new SafetensorsException(path, null,
                $"header size {headerSize} out of bounds; expected at most {maxHeader} (file is {length} bytes, cap {MaxHeaderBytes})");
        }

        var header = new byte[headerSize];
        ReadExactly(handle, header, 8);
        var dataStart = 8 + (long)headerSize;
        var dataLength = length - dataStart;
        var (entries, metadata) = ParseHeader(path, header);

        // The data must be covered exactly: no overlap, no hole, nothing after the last tensor.
        var ordered = entries.OrderBy(t => t.Begin).ThenBy(t => t.End).ToArray();
        long expectedBegin = 0;
        foreach (var entry in ordered)
        {
            if (entry.End > dataLength)
            {
                throw new SafetensorsException(path, entry.Name,
                    $"data_offsets [{entry.Begin}, {entry.End}] out of range; the data section is {dataLength} bytes (truncated file?)");
            }

            if (entry.Begin != expectedBegin)
            {
                var what = entry.Begin < expectedBegin ? "overlaps the tensor before it" : "leaves a hole before it";
                throw new SafetensorsException(path, entry.Name,
                    $"data_offsets [{entry.Begin}, {entry.End}] {what}; expected it to begin at {expectedBegin}");
            }

            expectedBegin = entry.End;
        }

        if (expectedBegin != dataLength)
        {
            throw new SafetensorsException(path, null,
                $"tensors cover {expectedBegin} bytes of a {dataLength}-byte data section; expected the whole data section");
        }

        var tensors = new List<KeyValuePair<string, SafeTensor>>(ordered.Length);
        foreach (var entry in ordered)
        {
            var data = new byte[entry.End - entry.Begin];
            ReadExactly(handle, data, dataStart + entry.Begin);
            tensors.Add(new(entry.Name, new SafeTensor(entry.Dtype, entry.Shape, data)));
        }

        return new SafetensorsContent(path, tensors, metadata);
    }

    private static byte[] Header(
        IReadOnlyList<KeyValuePair<string, SafeTensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                CheckForWrite(name, tensor, names);
                json.WriteStartObject(name);
                json.WriteString("dtype", tensor.Dtype);
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Pad with spaces so that 8 + header length is a multiple of 8: the data is then 8-byte aligned.
        var padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void CheckForWrite(string name, SafeTensor tensor, HashSet<string> names)
    {
        if (name.Length == 0 || name == MetadataKey)
        {
            throw new ArgumentException($"tensor name \"{name}\" is not allowed");
        }

        if (!names.Add(name))
        {
            throw new ArgumentException($"tensor \"{name}\" appears twice");
        }

        if (!SafetensorsDtype.TryGetSize(tensor.Dtype, out var size))
        {
            throw new ArgumentException(
                $"tensor \"{name}\": unknown dtype {tensor.Dtype}; expected one of {string.Join(", ", SafetensorsDtype.Names)}");
        }

        var count = SafetensorsDtype.ElementCount(tensor.Shape);
        if (count is null || count * size != tensor.Data.Length)
        {
            throw new ArgumentException(
                $"tensor \"{name}\": {tensor.Data.Length} bytes for shape [{string.Join(", ", tensor.Shape)}] of {tensor.Dtype}; " +
                $"expected {(count is null ? "a valid shape" : $"{count * size} bytes")}");
        }
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(string path, byte[] header)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new SafetensorsException(path, null, $"header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsException(path, null,
                    $"header is a JSON {document.RootElement.ValueKind}; expected an object");
            }

            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new SafetensorsException(path, property.Name, "appears twice in the header; expected unique names");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(path, property.Name, property.Value));
                }
            }

            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsException(path, null, $"{MetadataKey} is a JSON {element.ValueKind}; expected an object of strings");
        }

        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsException(path, null,
                    $"{MetadataKey}.{item.Name} is a JSON {item.Value.ValueKind}; expected a string");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ReadEntry(string path, string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !element.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsException(path, name,
                $"header entry {element.GetRawText()}; expected {{\"dtype\": string, \"shape\": [..], \"data_offsets\": [begin, end]}}");
        }

        var dtype = dtypeElement.GetString()!;
        if (!SafetensorsDtype.TryGetSize(dtype, out var size))
        {
            throw new SafetensorsException(path, name,
                $"unknown dtype \"{dtype}\"; expected one of {string.Join(", ", SafetensorsDtype.Names)}");
        }

        var shape = NonNegativeIntegers(path, name, "shape", shapeElement);
        var offsets = NonNegativeIntegers(path, name, "data_offsets", offsetsElement);
        if (offsets.Length != 2 || offsets[1] < offsets[0])
        {
            throw new SafetensorsException(path, name,
                $"data_offsets {offsetsElement.GetRawText()}; expected [begin, end] with begin <= end");
        }

        var count = SafetensorsDtype.ElementCount(shape);
        var byteLength = offsets[1] - offsets[0];
        if (count is null || count.Value > long.MaxValue / size || count.Value * size != byteLength)
        {
            throw new SafetensorsException(path, name,
                $"{byteLength} bytes for shape [{string.Join(", ", shape)}] of {dtype}; " +
                $"expected {(count is null || count.Value > long.MaxValue / size ? "a shape that fits" : $"{count.Value * size} bytes")}");
        }

        if (byteLength > Array.MaxLength)
        {
            throw new SafetensorsException(path, name, $"{byteLength} bytes; expected at most {Array.MaxLength} bytes a tensor");
        }

        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] NonNegativeIntegers(string path, string name, string field, JsonElement array)
    {
        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw new SafetensorsException(path, name, $"{field} {array.GetRawText()}; expected non-negative integers");
            }

            values[i++] = value;
        }

        return values;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"unexpected end of file at byte {offset}");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    private sealed record Entry(string Name, string Dtype, long[] Shape, long Begin, long End);
}
