using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>
/// Mixed_7b/c (pytorch-fid's FIDInceptionE_1 and _2): expanded 3x3 branches on the 8x8 grid, 2048 channels out.
/// Mixed_7b's pool branch averages without the padding; Mixed_7c's takes the maximum, a quirk of the TensorFlow
/// graph that pytorch-fid keeps.
/// </summary>
internal sealed class InceptionE : nn.Module<Tensor, Tensor>
{
    private readonly bool _maxPoolBranch;

    [ComponentName(Name = "branch1x1")]
    private readonly BasicConv2d _branch1x1;

    [ComponentName(Name = "branch3x3_1")]
    private readonly BasicConv2d _branch3x3First;

    [ComponentName(Name = "branch3x3_2a")]
    private readonly BasicConv2d _branch3x3SecondA;

    [ComponentName(Name = "branch3x3_2b")]
    private readonly BasicConv2d _branch3x3SecondB;

    [ComponentName(Name = "branch3x3dbl_1")]
    private readonly BasicConv2d _branch3x3dblFirst;

    [ComponentName(Name = "branch3x3dbl_2")]
    private readonly BasicConv2d _branch3x3dblSecond;

    [ComponentName(Name = "branch3x3dbl_3a")]
    private readonly BasicConv2d _branch3x3dblThirdA;

    [ComponentName(Name = "branch3x3dbl_3b")]
    private readonly BasicConv2d _branch3x3dblThirdB;

    [ComponentName(Name = "branch_pool")]
    private readonly BasicConv2d _branchPool;

    public InceptionE(long inChannels, bool maxPoolBranch) : base(nameof(InceptionE))
    {
        _maxPoolBranch = maxPoolBranch;
        _branch1x1 = new BasicConv2d(inChannels, 320, 1);
        _branch3x3First = new BasicConv2d(inChannels, 384, 1);
        _branch3x3SecondA = new BasicConv2d(384, 384, (1, 3), padding: (0, 1));
        _branch3x3SecondB = new BasicConv2d(384, 384, (3, 1), padding: (1, 0));
        _branch3x3dblFirst = new BasicConv2d(inChannels, 448, 1);
        _branch3x3dblSecond = new BasicConv2d(448, 384, 3, padding: 1);
        _branch3x3dblThirdA = new BasicConv2d(384, 384, (1, 3), padding: (0, 1));
        _branch3x3dblThirdB = new BasicConv2d(384, 384, (3, 1), padding: (1, 0));
        _branchPool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    // (n, C, 8, 8) -> (n, 2048, 8, 8)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b1 = _branch1x1.call(x);
        var a = _branch3x3First.call(x);
        var b3 = cat([_branch3x3SecondA.call(a), _branch3x3SecondB.call(a)], 1);
        var d = _branch3x3dblSecond.call(_branch3x3dblFirst.call(x));
        var bd = cat([_branch3x3dblThirdA.call(d), _branch3x3dblThirdB.call(d)], 1);
        var pooled = _maxPoolBranch ? InceptionPools.Max3x3(x) : InceptionPools.Average3x3(x);
        return cat([b1, b3, bd, _branchPool.call(pooled)], 1).MoveToOuterDisposeScope();
    }
}
