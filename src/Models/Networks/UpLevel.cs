using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>One resolution level of the UNet's decoder: residual blocks on h concatenated with the encoder's skip
/// outputs, each followed by a spatial transformer at attention resolutions, then an upsample unless it is the
/// first (full-resolution) level.</summary>
internal sealed class UpLevel : nn.Module
{
    [ComponentName(Name = "resnets")]
    private readonly ModuleList<ResBlock> _resnets;

    [ComponentName(Name = "attentions")]
    private readonly ModuleList<SpatialTransformer> _attentions;

    [ComponentName(Name = "upsampler")]
    private readonly Upsample? _upsampler;

    public UpLevel(ResBlock[] resnets, SpatialTransformer[] attentions, Upsample? upsampler)
        : base(nameof(UpLevel))
    {
        _resnets = new ModuleList<ResBlock>(resnets);
        _attentions = new ModuleList<SpatialTransformer>(attentions);
        _upsampler = upsampler;
        RegisterComponents();
    }

    /// <summary>Runs the level on h (N, C, H, W), taking one skip output (last in, first out) per block.</summary>
    public Tensor forward(Tensor h, Tensor timeEmbedding, Tensor context, Tensor padding, List<Tensor> skips)
    {
        for (var i = 0; i < _resnets.Count; i++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            h = _resnets[i].call(cat([h, skip], 1), timeEmbedding);
            if (_attentions.Count > 0)
            {
                h = _attentions[i].call(h, context, padding);
            }
        }

        return _upsampler is null ? h : _upsampler.call(h);
    }
}
