using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>Mixed_7a: grid reduction 17x17 -> 8x8 (torchvision's InceptionD, unchanged by pytorch-fid).</summary>
internal sealed class InceptionD : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "branch3x3_1")]
    private readonly BasicConv2d _branch3x3First;

    [ComponentName(Name = "branch3x3_2")]
    private readonly BasicConv2d _branch3x3Second;

    [ComponentName(Name = "branch7x7x3_1")]
    private readonly BasicConv2d _branch7x7x3First;

    [ComponentName(Name = "branch7x7x3_2")]
    private readonly BasicConv2d _branch7x7x3Second;

    [ComponentName(Name = "branch7x7x3_3")]
    private readonly BasicConv2d _branch7x7x3Third;

    [ComponentName(Name = "branch7x7x3_4")]
    private readonly BasicConv2d _branch7x7x3Fourth;

    public InceptionD(long inChannels) : base(nameof(InceptionD))
    {
        _branch3x3First = new BasicConv2d(inChannels, 192, 1);
        _branch3x3Second = new BasicConv2d(192, 320, 3, stride: 2);
        _branch7x7x3First = new BasicConv2d(inChannels, 192, 1);
        _branch7x7x3Second = new BasicConv2d(192, 192, (1, 7), padding: (0, 3));
        _branch7x7x3Third = new BasicConv2d(192, 192, (7, 1), padding: (3, 0));
        _branch7x7x3Fourth = new BasicConv2d(192, 192, 3, stride: 2);
        RegisterComponents();
    }

    // (n, 768, 17, 17) -> (n, 1280, 8, 8)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b3 = _branch3x3Second.call(_branch3x3First.call(x));
        var b7 = _branch7x7x3Fourth.call(_branch7x7x3Third.call(_branch7x7x3Second.call(_branch7x7x3First.call(x))));
        return cat([b3, b7, InceptionPools.MaxReduce(x)], 1).MoveToOuterDisposeScope();
    }
}
