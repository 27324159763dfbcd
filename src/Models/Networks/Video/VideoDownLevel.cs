using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks.Video;

/// <summary>
/// One encoder level of the video UNet: the image UNet's level (<see cref="DownLevel"/>, same parameter names) with a
/// temporal convolution after each residual block and a temporal attention after each block's spatial layers.
/// </summary>
internal sealed class VideoDownLevel : nn.Module
{
    [ComponentName(Name = "resnets")]
    private readonly ModuleList<ResBlock> _resnets;

    [ComponentName(Name = "attentions")]
    private readonly ModuleList<SpatialTransformer> _attentions;

    [ComponentName(Name = "downsampler")]
    private readonly Downsample? _downsampler;

    [ComponentName(Name = "temporal_convs")]
    private readonly ModuleList<TemporalConvolution> _temporalConvs;

    [ComponentName(Name = "temporal_attentions")]
    private readonly ModuleList<TemporalAttention> _temporalAttentions;

    public VideoDownLevel(ResBlock[] resnets, SpatialTransformer[] attentions, Downsample? downsampler,
        TemporalConvolution[] temporalConvs, TemporalAttention[] temporalAttentions)
        : base(nameof(VideoDownLevel))
    {
        _resnets = new ModuleList<ResBlock>(resnets);
        _attentions = new ModuleList<SpatialTransformer>(attentions);
        _downsampler = downsampler;
        _temporalConvs = new ModuleList<TemporalConvolution>(temporalConvs);
        _temporalAttentions = new ModuleList<TemporalAttention>(temporalAttentions);
        RegisterComponents();
    }

    /// <summary>Runs the level on h (B*F, C, H, W) and appends every block's output to skips, for the decoder.</summary>
    public Tensor forward(Tensor h, Tensor timeEmbedding, Tensor context, Tensor padding, List<Tensor> skips,
        ClipFrames frames)
    {
        for (var i = 0; i < _resnets.Count; i++)
        {
            h = _resnets[i].call(h, timeEmbedding);
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
