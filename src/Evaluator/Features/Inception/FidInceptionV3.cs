using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>
/// Inception-v3 (Szegedy et al. 2016) up to its 2048-d pool, with the block variants of pytorch-fid
/// (Seitzer, github.com/mseitzer/pytorch-fid), whose weights port the TensorFlow graph FID was defined on
/// (Heusel et al. 2017). Submodule names are torchvision's Inception3 names, the state-dict names of
/// pytorch-fid's weights file. (n, 3, 299, 299) in [-1, 1] -> (n, 2048).
/// </summary>
internal sealed class FidInceptionV3 : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "Conv2d_1a_3x3")]
    private readonly BasicConv2d _conv1a;

    [ComponentName(Name = "Conv2d_2a_3x3")]
    private readonly BasicConv2d _conv2a;

    [ComponentName(Name = "Conv2d_2b_3x3")]
    private readonly BasicConv2d _conv2b;

    [ComponentName(Name = "Conv2d_3b_1x1")]
    private readonly BasicConv2d _conv3b;

    [ComponentName(Name = "Conv2d_4a_3x3")]
    private readonly BasicConv2d _conv4a;

    [ComponentName(Name = "Mixed_5b")]
    private readonly InceptionA _mixed5b;

    [ComponentName(Name = "Mixed_5c")]
    private readonly InceptionA _mixed5c;

    [ComponentName(Name = "Mixed_5d")]
    private readonly InceptionA _mixed5d;

    [ComponentName(Name = "Mixed_6a")]
    private readonly InceptionB _mixed6a;

    [ComponentName(Name = "Mixed_6b")]
    private readonly InceptionC _mixed6b;

    [ComponentName(Name = "Mixed_6c")]
    private readonly InceptionC _mixed6c;

    [ComponentName(Name = "Mixed_6d")]
    private readonly InceptionC _mixed6d;

    [ComponentName(Name = "Mixed_6e")]
    private readonly InceptionC _mixed6e;

    [ComponentName(Name = "Mixed_7a")]
    private readonly InceptionD _mixed7a;

    [ComponentName(Name = "Mixed_7b")]
    private readonly InceptionE _mixed7b;

    [ComponentName(Name = "Mixed_7c")]
    private readonly InceptionE _mixed7c;

    public FidInceptionV3() : base(nameof(FidInceptionV3))
    {
        _conv1a = new BasicConv2d(3, 32, 3, stride: 2);
        _conv2a = new BasicConv2d(32, 32, 3);
        _conv2b = new BasicConv2d(32, 64, 3, padding: 1);
        _conv3b = new BasicConv2d(64, 80, 1);
        _conv4a = new BasicConv2d(80, 192, 3);
        _mixed5b = new InceptionA(192, 32);
        _mixed5c = new InceptionA(256, 64);
        _mixed5d = new InceptionA(288, 64);
        _mixed6a = new InceptionB(288);
        _mixed6b = new InceptionC(768, 128);
        _mixed6c = new InceptionC(768, 160);
        _mixed6d = new InceptionC(768, 160);
        _mixed6e = new InceptionC(768, 192);
        _mixed7a = new InceptionD(768);
        _mixed7b = new InceptionE(1280, maxPoolBranch: false);
        _mixed7c = new InceptionE(2048, maxPoolBranch: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _conv2b.call(_conv2a.call(_conv1a.call(input)));   // (n, 64, 147, 147)
        x = InceptionPools.MaxReduce(x);                            // (n, 64, 73, 73)
        x = _conv4a.call(_conv3b.call(x));                          // (n, 192, 71, 71)
        x = InceptionPools.MaxReduce(x);                            // (n, 192, 35, 35)
        x = _mixed5d.call(_mixed5c.call(_mixed5b.call(x)));         // (n, 288, 35, 35)
        x = _mixed6a.call(x);                                       // (n, 768, 17, 17)
        x = _mixed6e.call(_mixed6d.call(_mixed6c.call(_mixed6b.call(x))));
        x = _mixed7a.call(x);                                       // (n, 1280, 8, 8)
        x = _mixed7c.call(_mixed7b.call(x));                        // (n, 2048, 8, 8)
        return x.mean([2, 3]).MoveToOuterDisposeScope();            // (n, 2048): adaptive average pool to 1x1
    }
}
