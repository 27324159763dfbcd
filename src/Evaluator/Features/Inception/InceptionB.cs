using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>Mixed_6a: grid reduction 35x35 -> 17x17 (torchvision's InceptionB, unchanged by pytorch-fid).</summary>
internal sealed class InceptionB : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "branch3x3")]
    private readonly BasicConv2d _branch3x3;

    [ComponentName(Name = "branch3x3dbl_1")]
    private readonly BasicConv2d _branch3x3dblFirst;

    [ComponentName(Name = "branch3x3dbl_2")]
    private readonly BasicConv2d _branch3x3dblSecond;

    [ComponentName(Name = "branch3x3dbl_3")]
    private readonly BasicConv2d _branch3x3dblThird;

    public InceptionB(long inChannels) : base(nameof(InceptionB))
    {
        _branch3x3 = new BasicConv2d(inChannels, 384, 3, stride: 2);
        _branch3x3dblFirst = new BasicConv2d(inChannels, 64, 1);
        _branch3x3dblSecond = new BasicConv2d(64, 96, 3, padding: 1);
        _branch3x3dblThird = new BasicConv2d(96, 96, 3, stride: 2);
        RegisterComponents();
    }

    // (n, C, 35, 35) -> (n, 480 + C, 17, 17)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b3 = _branch3x3.call(x);
        var bd = _branch3x3dblThird.call(_branch3x3dblSecond.call(_branch3x3dblFirst.call(x)));
        return cat([b3, bd, InceptionPools.MaxReduce(x)], 1).MoveToOuterDisposeScope();
    }
}
