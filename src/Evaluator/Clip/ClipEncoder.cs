using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>A stack of encoder layers under "layers.i" (Hugging Face's CLIPEncoder names).</summary>
internal sealed class ClipEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = "layers")]
    private readonly ModuleList<ClipEncoderLayer> _layers;

    public ClipEncoder(ClipTowerConfig config) : base(nameof(ClipEncoder))
    {
        _layers = new ModuleList<ClipEncoderLayer>([.. Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ClipEncoderLayer(config))]);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in _layers)
            x = layer.call(x, mask);
        return x.MoveToOuterDisposeScope();
    }
}
