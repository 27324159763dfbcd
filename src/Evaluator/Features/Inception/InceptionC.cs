using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>Mixed_6b..e (pytorch-fid's FIDInceptionC): factorised 7x7 branches on the 17x17 grid; 768 channels out.</summary>
internal sealed class InceptionC : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "branch1x1")]
    private readonly BasicConv2d _branch1x1;

    [ComponentName(Name = "branch7x7_1")]
    private readonly BasicConv2d _branch7x7First;

    [ComponentName(Name = "branch7x7_2")]
    private readonly BasicConv2d _branch7x7Second;

    [ComponentName(Name = "branch7x7_3")]
    private readonly BasicConv2d _branch7x7Third;

    [ComponentName(Name = "branch7x7dbl_1")]
    private readonly BasicConv2d _branch7x7dblFirst;

    [ComponentName(Name = "branch7x7dbl_2")]
    private readonly BasicConv2d _branch7x7dblSecond;

    [ComponentName(Name = "branch7x7dbl_3")]
    private readonly BasicConv2d _branch7x7dblThird;

    [ComponentName(Name = "branch7x7dbl_4")]
    private readonly BasicConv2d _branch7x7dblFourth;

    [ComponentName(Name = "branch7x7dbl_5")]
    private readonly BasicConv2d _branch7x7dblFifth;

    [ComponentName(Name = "branch_pool")]
    private readonly BasicConv2d _branchPool;

    public InceptionC(long inChannels, long channels7x7) : base(nameof(InceptionC))
    {
        long c7 = channels7x7;
        _branch1x1 = new BasicConv2d(inChannels, 192, 1);
        _branch7x7First = new BasicConv2d(inChannels, c7, 1);
        _branch7x7Second = new BasicConv2d(c7, c7, (1, 7), padding: (0, 3));
        _branch7x7Third = new BasicConv2d(c7, 192, (7, 1), padding: (3, 0));
        _branch7x7dblFirst = new BasicConv2d(inChannels, c7, 1);
        _branch7x7dblSecond = new BasicConv2d(c7, c7, (7, 1), padding: (3, 0));
        _branch7x7dblThird = new BasicConv2d(c7, c7, (1, 7), padding: (0, 3));
        _branch7x7dblFourth = new BasicConv2d(c7, c7, (7, 1), padding: (3, 0));
        _branch7x7dblFifth = new BasicConv2d(c7, 192, (1, 7), padding: (0, 3));
        _branchPool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    // (n, 768, 17, 17) -> (n, 768, 17, 17)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b1 = _branch1x1.call(x);
        var b7 = _branch7x7Third.call(_branch7x7Second.call(_branch7x7First.call(x)));
        var bd = _branch7x7dblFirst.call(x);
        bd = _branch7x7dblFifth.call(_branch7x7dblFourth.call(_branch7x7dblThird.call(_branch7x7dblSecond.call(bd))));
        var pool = _branchPool.call(InceptionPools.Average3x3(x));
        return cat([b1, b7, bd, pool], 1).MoveToOuterDisposeScope();
    }
}
