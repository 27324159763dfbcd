using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>The Transformer's position-wise feed-forward block: Linear, GELU, Linear, 4x wide inside (B, N, D) -> (B, N, D).</summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "fc1")]
    private readonly Linear _fc1;

    [ComponentName(Name = "fc2")]
    private readonly Linear _fc2;

    public FeedForward(long width)
        : base(nameof(FeedForward))
    {
        _fc1 = nn.Linear(width, 4 * width);
        _fc2 = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _fc2.call(nn.functional.gelu(_fc1.call(x))).MoveToOuterDisposeScope();
    }
}
