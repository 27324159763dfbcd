using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>Mixed_5b/c/d (pytorch-fid's FIDInceptionA): 1x1, 5x5, double 3x3 and pool branches; 35x35 grid.</summary>
internal sealed class InceptionA : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "branch1x1")]
    private readonly BasicConv2d _branch1x1;

    [ComponentName(Name = "branch5x5_1")]
    private readonly BasicConv2d _branch5x5First;

    [ComponentName(Name = "branch5x5_2")]
    private readonly BasicConv2d _branch5x5Second;

    [ComponentName(Name = "branch3x3dbl_1")]
    private readonly BasicConv2d _branch3x3dblFirst;

    [ComponentName(Name = "branch3x3dbl_2")]
    private readonly BasicConv2d _branch3x3dblSecond;

    [ComponentName(Name = "branch3x3dbl_3")]
    private readonly BasicConv2d _branch3x3dblThird;

    [ComponentName(Name = "branch_pool")]
    private readonly BasicConv2d _branchPool;

    public InceptionA(long inChannels, long poolFeatures) : base(nameof(InceptionA))
    {
        _branch1x1 = new BasicConv2d(inChannels, 64, 1);
        _branch5x5First = new BasicConv2d(inChannels, 48, 1);
        _branch5x5Second = new BasicConv2d(48, 64, 5, padding: 2);
        _branch3x3dblFirst = new BasicConv2d(inChannels, 64, 1);
        _branch3x3dblSecond = new BasicConv2d(64, 96, 3, padding: 1);
        _branch3x3dblThird = new BasicConv2d(96, 96, 3, padding: 1);
        _branchPool = new BasicConv2d(inChannels, poolFeatures, 1);
        RegisterComponents();
    }

    // (n, C, H, W) -> (n, 224 + poolFeatures, H, W)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b1 = _branch1x1.call(x);
        var b5 = _branch5x5Second.call(_branch5x5First.call(x));
        var b3 = _branch3x3dblThird.call(_branch3x3dblSecond.call(_branch3x3dblFirst.call(x)));
        var pool = _branchPool.call(InceptionPools.Average3x3(x));
        return cat([b1, b5, b3, pool], 1).MoveToOuterDisposeScope();
    }
}
