using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>Doubles the feature map: nearest-neighbour upsampling then a 3x3 conv, (N, C, H, W) -> (N, C, 2H, 2W).</summary>
internal sealed class Upsample : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "conv")]
    private readonly Conv2d _conv;

    public Upsample(long channels)
        : base(nameof(Upsample))
    {
        _conv = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var doubled = nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return _conv.call(doubled).MoveToOuterDisposeScope();
    }
}
