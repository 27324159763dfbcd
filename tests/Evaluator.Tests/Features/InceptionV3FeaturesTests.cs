using Orchestrator.Core.Safetensors;
using Orchestrator.Evaluator.Features;
using Orchestrator.Evaluator.Features.Inception;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Features;

public sealed class InceptionV3FeaturesTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "inception_features.safetensors");

    [Fact]
    public void Pool_features_match_pytorch_fid_structure_computed_by_PyTorch()
    {
        // Reference: tools/make_inception_fixture.py (torchvision 0.14's Inception3 with pytorch-fid's blocks),
        // with the same pattern weights and images as here.
        using var folder = new TemporaryFolder();
        string weights = folder.File("inception.safetensors");
        WritePatternWeights(weights);
        var expected = SafetensorsFile.Read(Fixture)["features"].ToFloats();   // (2, 2048)

        using var extractor = InceptionV3Features.Load(weights);
        using var images = PatternImages();
        using var features = extractor.Extract(images);
        var actual = features.contiguous().data<float>().ToArray();

        Assert.Equal([2L, 2048L], features.shape);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * scale, $"feature {i}: {actual[i]} vs {expected[i]}");

        // The two images' features differ by about 0.5%: compare the difference too, so that a wrong resize or
        // pool, which moves both rows alike, cannot hide inside the tolerance above.
        double differenceNorm = 0, errorNorm = 0;
        for (int j = 0; j < 2048; j++)
        {
            double e = expected[j] - expected[2048 + j];
            double a = actual[j] - actual[2048 + j];
            differenceNorm += e * e;
            errorNorm += (a - e) * (a - e);
        }
        Assert.True(Math.Sqrt(errorNorm) <= 1e-3 * Math.Sqrt(differenceNorm), $"difference error {Math.Sqrt(errorNorm)} of {Math.Sqrt(differenceNorm)}");
    }

    [Fact]
    public void Reports_as_fid_and_names_the_weights()
    {
        using var folder = new TemporaryFolder();
        string weights = folder.File("inception.safetensors");
        WritePatternWeights(weights);
        using var extractor = InceptionV3Features.Load(weights);

        Assert.Equal("fid", extractor.MetricName);
        Assert.Equal(2048, extractor.Dimension);
        Assert.StartsWith("inception-v3-fid-299px-w", extractor.Name, StringComparison.Ordinal);
        Assert.Equal(8, extractor.WeightsDigest.Length);
    }

    [Fact]
    public void Without_weights_fid_is_off_with_the_reason()
    {
        var none = InceptionV3Features.Availability("");
        var missing = InceptionV3Features.Availability("/nonexistent/pt_inception.safetensors");

        Assert.False(none.Enabled);
        Assert.Contains("FID off", none.Reason, StringComparison.Ordinal);
        Assert.Contains("eval.inception_weights", none.Reason, StringComparison.Ordinal);
        Assert.Contains("tools/convert_pt_inception.py", none.Reason, StringComparison.Ordinal);
        Assert.False(missing.Enabled);
        Assert.Contains("/nonexistent/pt_inception.safetensors", missing.Reason, StringComparison.Ordinal);
        var error = Assert.Throws<FileNotFoundException>(() => InceptionV3Features.Load("/nonexistent/pt_inception.safetensors"));
        Assert.Contains("eval.inception_weights", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weights_file_missing_a_tensor_is_refused_naming_it()
    {
        using var folder = new TemporaryFolder();
        string weights = folder.File("partial.safetensors");
        SafetensorsFile.Write(weights, [new("Conv2d_1a_3x3.conv.weight", SafeTensor.FromFloats(new float[32 * 3 * 3 * 3], 32, 3, 3, 3))]);

        var error = Assert.Throws<InvalidDataException>(() => InceptionV3Features.Load(weights));

        Assert.Contains("partial.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("Conv2d_1a_3x3.bn.weight", error.Message, StringComparison.Ordinal);
    }

    // tools/make_inception_fixture.py's pattern(): a Weyl sequence in [-0.5, 0.5) offset by a checksum of the name.
    private static double[] Pattern(string name, long count)
    {
        long key = 0;
        for (int j = 0; j < name.Length; j++)
            key += (j + 1) * (long)name[j];
        key %= 65521;
        var values = new double[count];
        for (long i = 0; i < count; i++)
        {
            ulong raw = unchecked((ulong)i * 2654435761UL + (ulong)(key * 40503 + 12345)) % (1UL << 32);
            values[i] = raw / 4294967296.0 - 0.5;
        }
        return values;
    }

    // tools/make_inception_fixture.py's pattern_value().
    private static void WritePatternWeights(string path)
    {
        using var net = new FidInceptionV3();
        var tensors = new List<KeyValuePair<string, SafeTensor>>();
        foreach (var (name, tensor) in net.state_dict())
        {
            if (!tensor.is_floating_point())
                continue;
            var shape = tensor.shape;
            var u = Pattern(name, tensor.numel());
            Func<double, double> value = name switch
            {
                _ when name.EndsWith(".conv.weight", StringComparison.Ordinal) => x => x * Math.Sqrt(24.0 / (shape[1] * shape[2] * shape[3])),
                _ when name.EndsWith(".bn.weight", StringComparison.Ordinal) => x => 1 + 0.2 * x,
                _ when name.EndsWith(".bn.running_var", StringComparison.Ordinal) => x => 1 + x,
                _ => x => 0.02 * x,
            };
            tensors.Add(new(name, SafeTensor.FromFloats(u.Select(x => (float)value(x)).ToArray(), shape)));
        }
        SafetensorsFile.Write(path, tensors);
    }

    private static torch.Tensor PatternImages()
    {
        var first = Pattern("images", 2 * 3 * 40 * 56).Take(3 * 40 * 56).Select(x => (float)(1.8 * x)).ToArray();
        var second = new float[3 * 40 * 56];
        double[] gains = [1.0, -0.5, 0.25];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < 40 * 56; i++)
                second[c * 40 * 56 + i] = (float)(gains[c] * (-1 + 2.0 * i / (40 * 56 - 1)));
        }
        return torch.tensor(first.Concat(second).ToArray(), [2, 3, 40, 56]);
    }
}
