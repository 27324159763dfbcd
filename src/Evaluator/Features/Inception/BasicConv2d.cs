using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>Convolution without bias, batch norm (eps 0.001, as in TensorFlow's Inception), ReLU.</summary>
internal sealed class BasicConv2d : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "conv")]
    private readonly Conv2d _conv;

    [ComponentName(Name = "bn")]
    private readonly BatchNorm2d _bn;

    public BasicConv2d(long inChannels, long outChannels, (long, long) kernel, (long, long)? stride = null, (long, long)? padding = null)
        : base(nameof(BasicConv2d))
    {
        _conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride ?? (1, 1), padding: padding ?? (0, 0), bias: false);
        _bn = nn.BatchNorm2d(outChannels, eps: 0.001);
        RegisterComponents();
    }

    public BasicConv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding))
    {
    }

    public override Tensor forward(Tensor input) => nn.functional.relu(_bn.call(_conv.call(input)));
}
