using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>One resolution level of the UNet's encoder: residual blocks, each followed by a spatial transformer at
/// attention resolutions, then a downsample unless it is the last level.</summary>
internal sealed class DownLevel : nn.Module
{
    [ComponentName(Name = "resnets")]
    private readonly ModuleList<ResBlock> _resnets;

    [ComponentName(Name = "attentions")]
    private readonly ModuleList<SpatialTransformer> _attentions;

    [ComponentName(Name = "downsampler")]
    private readonly Downsample? _downsampler;

    public DownLevel(ResBlock[] resnets, SpatialTransformer[] attentions, Downsample? downsampler)
        : base(nameof(DownLevel))
    {
        _resnets = new ModuleList<ResBlock>(resnets);
        _attentions = new ModuleList<SpatialTransformer>(attentions);
        _downsampler = downsampler;
        RegisterComponents();
    }

    /// <summary>Runs the level on h (N, C, H, W) and appends every block's output to skips, for the decoder.</summary>
    public Tensor forward(Tensor h, Tensor timeEmbedding, Tensor context, Tensor padding, List<Tensor> skips)
    {
        for (var i = 0; i < _resnets.Count; i++)
        {
            h = _resnets[i].call(h, timeEmbedding);
            if (_attentions.Count > 0)
            {
                h = _attentions[i].call(h, context, padding);
            }

            skips.Add(h);
        }

        if (_downsampler is not null)
        {
            h = _downsampler.call(h);
            skips.Add(h);
        }

        return h;
    }
}
