using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features;

/// <summary>
/// 512-d global-pool features of the ImageNet ResNet-18 (He et al. 2016) that the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 ships as ONNX, run with ONNX Runtime: the extractor that needs no
/// download. Preprocessing: a bilinear (antialiased) resize to 224x224 here, RGB scaled to [0, 255], then the
/// package's own ResNetPreprocess.onnx graph (RGB to BGR, minus the network's mean image), as the network was
/// trained (a CNTK model; no ImageNet mean/std division). Its distances are not FID: reported as "frechet-resnet18".
/// </summary>
public sealed class ResNet18OnnxFeatures : IFeatureExtractor
{
    /// <summary>Side length the network sees.</summary>
    public const int InputSize = 224;

    /// <summary>Length of the pool features.</summary>
    public const int FeatureDimension = 512;

    /// <summary>The network's global average pool, (1, 512, 1, 1): its only graph output.</summary>
    public const string PoolOutput = "Pooling395_Output_0";

    private const string PreprocessInput = "OriginalInput";
    private const string PreprocessOutput = "PreprocessedInput";
    private const string NetworkInput = "Input247";

    private static readonly long[] ImageShape = [1, 3, InputSize, InputSize];

    private readonly InferenceSession _preprocess;
    private readonly InferenceSession _network;

    /// <param name="modelFolder">
    /// The folder holding ResNet18Onnx/ResNet18.onnx and ResNetPrepOnnx/ResNetPreprocess.onnx; by default
    /// DnnImageModels/ beside this assembly, where the package's build props copy them.
    /// </param>
    public ResNet18OnnxFeatures(string? modelFolder = null)
    {
        string folder = modelFolder ?? Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
        string network = Path.Combine(folder, "ResNet18Onnx", "ResNet18.onnx");
        string preprocess = Path.Combine(folder, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        foreach (string file in new[] { network, preprocess })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException(
                    $"ResNet-18 model file '{file}' does not exist; expected the files of the NuGet package " +
                    "Microsoft.ML.DnnImageFeaturizer.ResNet18, which the build copies to DnnImageModels/ in the output.", file);
            }
        }
        var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, Environment.ProcessorCount) };
        _preprocess = new InferenceSession(preprocess, options);
        _network = new InferenceSession(network, options);
        Expect(_preprocess, preprocess, PreprocessInput, PreprocessOutput);
        Expect(_network, network, NetworkInput, PoolOutput);
    }

    /// <inheritdoc />
    public string Name => $"resnet18-imagenet-onnx-{InputSize}px";

    /// <inheritdoc />
    public string MetricName => "frechet-resnet18";

    /// <inheritdoc />
    public int Dimension => FeatureDimension;

    /// <inheritdoc />
    public Tensor Extract(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = FeatureInput.ToCheckedFloat(images);
        long n = x.shape[0];
        var features = new float[n * FeatureDimension];
        using var one = 1.0.ToScalar();
        using var half = 127.5.ToScalar();
        using var runOptions = new RunOptions();
        for (long i = 0; i < n; i++)
        {
            using var imageScope = NewDisposeScope();
            var image = x.narrow(0, i, 1);
            if (image.shape[2] != InputSize || image.shape[3] != InputSize)
            {
                image = nn.functional.interpolate(
                    image, size: [InputSize, InputSize], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
            }
            // [-1, 1] -> [0, 255], (1, 3, 224, 224) RGB
            var pixels = image.add(one).mul(half).contiguous().data<float>().ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(pixels, ImageShape);
            using var prepared = _preprocess.Run(runOptions, [PreprocessInput], [input], [PreprocessOutput]);
            using var pooled = _network.Run(runOptions, [NetworkInput], [prepared[0]], [PoolOutput]);
            pooled[0].GetTensorDataAsSpan<float>().CopyTo(features.AsSpan((int)(i * FeatureDimension), FeatureDimension));
        }
        return tensor(features, [n, FeatureDimension]).MoveToOuterDisposeScope();  // (n, 512)
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _preprocess.Dispose();
        _network.Dispose();
    }

    private static void Expect(InferenceSession session, string file, string input, string output)
    {
        if (!session.InputMetadata.ContainsKey(input) || !session.OutputMetadata.ContainsKey(output))
        {
            throw new InvalidDataException(
                $"{file}: inputs [{string.Join(", ", session.InputMetadata.Keys)}], outputs [{string.Join(", ", session.OutputMetadata.Keys)}]; " +
                $"expected input '{input}' and output '{output}' (Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1).");
        }
    }
}
