using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features;

/// <summary>Three stride-2 3x3 convolutions with ReLU, then a global average pool: (n, 3, S, S) -> (n, D).</summary>
internal sealed class RandomConvNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv1;
    private readonly ReLU _relu1;
    private readonly Conv2d _conv2;
    private readonly ReLU _relu2;
    private readonly Conv2d _conv3;
    private readonly ReLU _relu3;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Flatten _flatten;

    public RandomConvNet(int dimension, long seed) : base(nameof(RandomConvNet))
    {
        _conv1 = nn.Conv2d(3, 32, 3, stride: 2, padding: 1);
        _relu1 = nn.ReLU();
        _conv2 = nn.Conv2d(32, 64, 3, stride: 2, padding: 1);
        _relu2 = nn.ReLU();
        _conv3 = nn.Conv2d(64, dimension, 3, stride: 2, padding: 1);
        _relu3 = nn.ReLU();
        _pool = nn.AdaptiveAvgPool2d(1);
        _flatten = nn.Flatten();
        RegisterComponents();

        // Weights come from a private generator, not the global one, so that the features depend on the seed
        // alone. He-normal weights (He et al. 2015) keep activations of similar scale through the ReLUs.
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var conv in new[] { _conv1, _conv2, _conv3 })
        {
            var weight = conv.weight!;
            long fanIn = weight.shape[1] * weight.shape[2] * weight.shape[3];
            using var drawn = randn(weight.shape, generator: generator);
            using var gain = Math.Sqrt(2.0 / fanIn).ToScalar();
            weight.copy_(drawn.mul_(gain));
            conv.bias!.zero_();
        }
        foreach (var parameter in parameters())
            parameter.requires_grad = false;
        eval();
    }

    public override Tensor forward(Tensor input)
    {
        var x = _relu1.forward(_conv1.forward(input));   // (n, 32, S/2, S/2)
        x = _relu2.forward(_conv2.forward(x));           // (n, 64, S/4, S/4)
        x = _relu3.forward(_conv3.forward(x));           // (n, D, S/8, S/8)
        return _flatten.forward(_pool.forward(x));       // (n, D)
    }
}
