using System.Buffers.Binary;
using System.Text;
using Orchestrator.Core.Safetensors;

namespace Orchestrator.Core.Tests.Safetensors;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Tensors_and_metadata_round_trip_in_order()
    {
        var path = _folder.File("round.safetensors");
        var tensors = new List<KeyValuePair<string, SafeTensor>>
        {
            new("unet.conv_in.weight", SafeTensor.FromFloats([1f, -2.5f, 3.25f, float.MaxValue, 0f, -0f], 2, 3)),
            new("step", SafeTensor.FromLongs([long.MinValue, 42], 2)),
            new("scale", SafeTensor.FromDoubles([Math.PI], [])),
            new("counts", SafeTensor.FromInts([7, 8, 9])),
            new("empty", new SafeTensor("F16", [0, 4], [])),
            new("half", new SafeTensor("BF16", [2], [0x80, 0x3f, 0x00, 0x40])),
            new("bytes", new SafeTensor("U8", [3], [1, 2, 255])),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["step"] = "42" };

        SafetensorsFile.Write(path, tensors, metadata);
        var content = SafetensorsFile.Read(path);

        Assert.Equal(tensors.Select(t => t.Key), content.Tensors.Select(t => t.Key));
        foreach (var (name, tensor) in tensors)
        {
            var read = content[name];
            Assert.Equal(tensor.Dtype, read.Dtype);
            Assert.Equal(tensor.Shape, read.Shape);
            Assert.Equal(tensor.Data, read.Data);
        }

        Assert.Equal(metadata, content.Metadata);
        Assert.Equal([1f, -2.5f, 3.25f, float.MaxValue, 0f, -0f], content["unet.conv_in.weight"].ToFloats());
        Assert.Equal([long.MinValue, 42], content["step"].ToLongs());
        Assert.Equal([Math.PI], content["scale"].ToDoubles());
        Assert.Equal([7, 8, 9], content["counts"].ToInts());
        Assert.Equal(1, content["scale"].ElementCount);
        Assert.Equal(0, content["empty"].ElementCount);
    }

    [Fact]
    public void Tiny_file_has_the_exact_layout_of_the_format()
    {
        var path = _folder.File("tiny.safetensors");

        SafetensorsFile.Write(path, [
            new("a", SafeTensor.FromFloats([1f, 2f])),
            new("b", new SafeTensor("U8", [3], [7, 8, 9])),
        ]);

        const string json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}""";
        var padded = (json.Length + 7) / 8 * 8;
        var expected = new List<byte>();
        var size = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)padded);
        expected.AddRange(size);
        expected.AddRange(Encoding.UTF8.GetBytes(json.PadRight(padded, ' ')));
        expected.AddRange(BitConverter.GetBytes(1f));
        expected.AddRange(BitConverter.GetBytes(2f));
        expected.AddRange([7, 8, 9]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(expected.ToArray(), bytes);
        // 107 bytes of JSON and 5 spaces: the data starts at byte 120, a multiple of 8.
        Assert.Equal(107, json.Length);
        Assert.Equal(112UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(0, (8 + padded) % 8);
        Assert.Equal([0x00, 0x00, 0x80, 0x3f], bytes[120..124]);
    }

    [Fact]
    public void Reader_accepts_a_header_that_is_not_padded()
    {
        var path = Raw("unpadded.safetensors", """{"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}""", [5, 0, 0, 0], pad: false);

        Assert.Equal([5], SafetensorsFile.Read(path)["x"].ToInts());
    }

    public static TheoryData<string, byte[], string?, string> Corruptions => new()
    {
        // header JSON, data, tensor named (null: the file), reason fragment
        { """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", new byte[8], null, "header is not valid JSON" },
        { """[1, 2]""", new byte[0], null, "header is a JSON Array; expected an object" },
        { """{"x":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", new byte[8], "x", "unknown dtype \"Q4\"" },
        { """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[6], "x", "out of range; the data section is 6 bytes" },
        { """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8], "y", "overlaps the tensor before it" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12], "y", "leaves a hole before it; expected it to begin at 4" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8], "x", "leaves a hole before it; expected it to begin at 0" },
        { """{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8], "x", "8 bytes for shape [3] of F32; expected 12 bytes" },
        { """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[12], null, "tensors cover 8 bytes of a 12-byte data section" },
        { """{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", new byte[4], "x", "shape [-1]; expected non-negative integers" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", new byte[8], "x", "expected [begin, end] with begin <= end" },
        { """{"x":{"dtype":"F32","shape":[1]}}""", new byte[4], "x", "expected {\"dtype\": string" },
        { """{"__metadata__":{"step":5},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", new byte[1], null, "__metadata__.step is a JSON Number; expected a string" },
        { """{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", new byte[2], "x", "appears twice" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Damaged_file_is_rejected_naming_file_and_tensor(string header, byte[] data, string? tensor, string reason)
    {
        var path = Raw("bad.safetensors", header, data);

        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Read(path));

        Assert.Equal(path, e.Path);
        Assert.Equal(tensor, e.Tensor);
        Assert.StartsWith(tensor is null ? $"{path}: " : $"{path}: tensor \"{tensor}\": ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void File_shorter_than_the_size_field_is_rejected()
    {
        var path = _folder.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);

        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Read(path));

        Assert.Equal($"{path}: file is 5 bytes long; expected at least 8 (the header size)", e.Message);
    }

    [Theory]
    [InlineData(1000UL)]
    [InlineData(ulong.MaxValue)]
    public void Header_size_beyond_the_file_is_rejected(ulong headerSize)
    {
        var path = _folder.File("huge-header.safetensors");
        var bytes = new byte[8 + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerSize);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Read(path));

        Assert.Contains($"header size {headerSize} out of bounds; expected at most 16", e.Message);
        Assert.Null(e.Tensor);
    }

    [Fact]
    public void Truncated_file_names_the_tensor_that_lost_its_data()
    {
        var path = _folder.File("truncated.safetensors");
        SafetensorsFile.Write(path, [new("first", SafeTensor.FromFloats([1f, 2f])), new("second", SafeTensor.FromFloats([3f, 4f]))]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);

        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Read(path));

        Assert.Equal("second", e.Tensor);
        Assert.Contains("truncated file?", e.Message);
    }

    [Fact]
    public void Writer_rejects_data_that_does_not_fit_the_shape()
    {
        var path = _folder.File("w.safetensors");

        var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, [new("w", new SafeTensor("F32", [2, 2], new byte[12]))]));

        Assert.Equal("tensor \"w\": 12 bytes for shape [2, 2] of F32; expected 16 bytes", e.Message);
    }

    [Fact]
    public void Writer_rejects_unknown_dtypes_and_repeated_names()
    {
        var path = _folder.File("w.safetensors");

        Assert.Contains("unknown dtype I8",
            Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, [new("w", new SafeTensor("I8", [1], [1]))])).Message);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, [
            new("w", SafeTensor.FromInts([1])), new("w", SafeTensor.FromInts([2])),
        ])).Message);
    }

    [Fact]
    public void Typed_views_check_dtype_and_shape()
    {
        Assert.Throws<InvalidOperationException>(() => SafeTensor.FromLongs([1]).ToFloats());
        Assert.Contains("holds 6 elements, got 5 values",
            Assert.Throws<ArgumentException>(() => SafeTensor.FromFloats(new float[5], 2, 3)).Message);
        Assert.Equal([2L, 3L], SafeTensor.FromFloats(new float[6], 2, 3).Shape);
    }

    [Fact]
    public void Missing_tensor_lookup_names_the_file()
    {
        var path = _folder.File("one.safetensors");
        SafetensorsFile.Write(path, [new("a", SafeTensor.FromInts([1]))]);

        var e = Assert.Throws<KeyNotFoundException>(() => SafetensorsFile.Read(path)["b"]);

        Assert.Equal($"{path}: no tensor named \"b\"", e.Message);
    }

    private string Raw(string name, string header, byte[] data, bool pad = true)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var headerLength = pad ? (json.Length + 7) / 8 * 8 : json.Length;
        var bytes = new byte[8 + headerLength + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerLength);
        bytes.AsSpan(8, headerLength).Fill((byte)' ');
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + headerLength);
        var path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
