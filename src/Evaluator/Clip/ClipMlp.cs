using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>fc1, activation, fc2 (Hugging Face's CLIPMLP names).</summary>
internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    // quick_gelu's constant: x * sigmoid(1.702 x) approximates GELU (Hendrycks and Gimpel 2016), OpenAI's CLIP uses it.
    private static readonly Scalar QuickGeluScale = 1.702.ToScalar();

    private readonly bool _quickGelu;

    [ComponentName(Name = "fc1")]
    private readonly Linear _fc1;

    [ComponentName(Name = "fc2")]
    private readonly Linear _fc2;

    public ClipMlp(long width, long hidden, string activation) : base(nameof(ClipMlp))
    {
        _quickGelu = activation == "quick_gelu";
        _fc1 = nn.Linear(width, hidden);
        _fc2 = nn.Linear(hidden, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _fc1.call(x);
        h = _quickGelu ? h.mul(h.mul(QuickGeluScale).sigmoid()) : nn.functional.gelu(h);
        return _fc2.call(h).MoveToOuterDisposeScope();
    }
}
