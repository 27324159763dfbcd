using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks.Video;

/// <summary>
/// One decoder level of the video UNet: the image UNet's level (<see cref="UpLevel"/>, same parameter names) with a
/// temporal convolution after each residual block and a temporal attention after each block's spatial layers.
/// </summary>
internal sealed class VideoUpLevel : nn.Module
{
    [ComponentName(Name = "resnets")]
    private readonly ModuleList<ResBlock> _resnets;

    [ComponentName(Name = "attentions")]
    private readonly ModuleList<SpatialTransformer> _attentions;

    [ComponentName(Name = "upsampler")]
    private readonly Upsample? _upsampler;

    [ComponentName(Name = "temporal_convs")]
    private readonly ModuleList<TemporalConvolution> _temporalConvs;

    [ComponentName(Name = "temporal_attentions")]
    private readonly ModuleList<TemporalAttention> _temporalAttentions;

    public VideoUpLevel(ResBlock[] resnets, SpatialTransformer[] attentions, Upsample? upsampler,
        TemporalConvolution[] temporalConvs, TemporalAttention[] temporalAttentions)
        : base(nameof(VideoUpLevel))
    {
        _resnets = new ModuleList<ResBlock>(resnets);
        _attentions = new ModuleList<SpatialTransformer>(attentions);
        _upsampler = upsampler;
        _temporalConvs = new ModuleList<TemporalConvolution>(temporalConvs);
        _temporalAttentions = new ModuleList<TemporalAttention>(temporalAttentions);
        RegisterComponents();
    }

    /// <summary>Runs the level on h (B*F, C, H, W), taking one skip output (last in, first out) per block.</summary>
    public Tensor forward(Tensor h, Tensor timeEmbedding, Tensor context, Tensor padding, List<Tensor> skips,
        ClipFrames frames)
    {
        for (var i = 0; i < _resnets.Count; i++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            h = _resnets[i].call(cat([h, skip], 1), timeEmbedding);
            if (frames.Mixes)
            {
                h = _temporalConvs[i].forward(h, frames.Count, frames.Keep);
            }

            if (_attentions.Count > 0)
            {
                h = _attentions[i].call(h, context, padding);
            }

            if (frames.Mixes)
            {
                h = _temporalAttentions[i].forward(h, frames.Count, frames.Keep);
            }
        }

        return _upsampler is null ? h : _upsampler.call(h);
    }
}
