using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>Halves the feature map with a strided 3x3 conv: (N, C, H, W) -> (N, C, H/2, W/2).</summary>
internal sealed class Downsample : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "conv")]
    private readonly Conv2d _conv;

    public Downsample(long channels)
        : base(nameof(Downsample))
    {
        _conv = nn.Conv2d(channels, channels, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _conv.call(x);
}
