using Orchestrator.Core.RunSpec;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// A text-conditioned image UNet in the shape of DDPM's (Ho et al., 2020, appendix B) with Latent Diffusion's
/// cross-attention (Rombach et al., 2022): conv in, encoder levels of residual blocks (spatial transformers at the
/// attention resolutions) with downsampling, a middle block, decoder levels fed by skip connections, GroupNorm,
/// SiLU and a zero-initialised conv out. Frames are folded into the batch, so a clip (B, C, F, H, W) is denoised
/// as B*F independent images.
/// </summary>
internal sealed class ConditionalUNet2D : DiffusionModel
{
    private readonly long _inChannels;

    [ComponentName(Name = "time_embedding")]
    private readonly TimestepEmbedding _timeEmbedding;

    [ComponentName(Name = "text_encoder")]
    private readonly TextEncoder _textEncoder;

    [ComponentName(Name = "conv_in")]
    private readonly Conv2d _convIn;

    [ComponentName(Name = "down_blocks")]
    private readonly ModuleList<DownLevel> _downBlocks;

    [ComponentName(Name = "mid_block")]
    private readonly MidBlock _midBlock;

    [ComponentName(Name = "up_blocks")]
    private readonly ModuleList<UpLevel> _upBlocks;

    [ComponentName(Name = "conv_norm_out")]
    private readonly GroupNorm _convNormOut;

    [ComponentName(Name = "conv_out")]
    private readonly Conv2d _convOut;

    /// <param name="model">The model section, already checked by <see cref="ModelFactory"/>.</param>
    /// <param name="vocabularySize">Token ids run from 0 to this, exclusive.</param>
    /// <param name="maxTokens">The longest caption, in tokens.</param>
    /// <param name="imageSize">Side of the training images: places attention at model.attention_resolutions.</param>
    public ConditionalUNet2D(ModelSection model, int vocabularySize, int maxTokens, int imageSize)
        : base(nameof(ConditionalUNet2D))
    {
        _inChannels = model.InChannels;
        long baseChannels = model.BaseChannels;
        var timeDim = 4 * baseChannels;
        long contextDim = model.TextEncoder.Width;
        long heads = model.AttentionHeads;
        var levels = model.ChannelMultipliers.Count;
        var attentionAt = model.AttentionResolutions.ToHashSet();

        _timeEmbedding = new TimestepEmbedding(baseChannels, timeDim);
        _textEncoder = new TextEncoder(vocabularySize, maxTokens, contextDim, model.TextEncoder.Layers,
            model.TextEncoder.Heads);
        _convIn = nn.Conv2d(model.InChannels, baseChannels, 3, padding: 1);

        // Channel bookkeeping of the skip connections as in DDPM's UNet: one skip per block and per downsample.
        var channels = baseChannels;
        var side = imageSize;
        var skipChannels = new Stack<long>([channels]);
        var down = new List<DownLevel>();
        for (var level = 0; level < levels; level++)
        {
            var outChannels = baseChannels * model.ChannelMultipliers[level];
            var resnets = new List<ResBlock>();
            var attentions = new List<SpatialTransformer>();
            for (var block = 0; block < model.ResBlocksPerLevel; block++)
            {
                resnets.Add(new ResBlock(channels, outChannels, timeDim));
                channels = outChannels;
                if (attentionAt.Contains(side))
                {
                    attentions.Add(new SpatialTransformer(channels, contextDim, heads));
                }

                skipChannels.Push(channels);
            }

            Downsample? downsampler = null;
            if (level < levels - 1)
            {
                downsampler = new Downsample(channels);
                skipChannels.Push(channels);
                side /= 2;
            }

            down.Add(new DownLevel([.. resnets], [.. attentions], downsampler));
        }

        _downBlocks = new ModuleList<DownLevel>([.. down]);
        _midBlock = new MidBlock(channels, timeDim, contextDim, heads);

        var up = new List<UpLevel>();
        for (var level = levels - 1; level >= 0; level--)
        {
            var outChannels = baseChannels * model.ChannelMultipliers[level];
            var resnets = new List<ResBlock>();
            var attentions = new List<SpatialTransformer>();
            for (var block = 0; block <= model.ResBlocksPerLevel; block++)
            {
                resnets.Add(new ResBlock(channels + skipChannels.Pop(), outChannels, timeDim));
                channels = outChannels;
                if (attentionAt.Contains(side))
                {
                    attentions.Add(new SpatialTransformer(channels, contextDim, heads));
                }
            }

            Upsample? upsampler = null;
            if (level > 0)
            {
                upsampler = new Upsample(channels);
                side *= 2;
            }

            up.Add(new UpLevel([.. resnets], [.. attentions], upsampler));
        }

        _upBlocks = new ModuleList<UpLevel>([.. up]);
        _convNormOut = Normalization.Group(channels);
        _convOut = nn.Conv2d(channels, model.InChannels, 3, padding: 1);
        using (no_grad())
        {
            // Starts as the zero predictor, so early training does not fight random output (as in DDPM's code).
            nn.init.zeros_(_convOut.weight!);
            nn.init.zeros_(_convOut.bias!);
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor t, Tensor tokens)
    {
        CheckInputs(x, t, tokens, _inChannels);
        using var scope = NewDisposeScope();
        var (batch, frames) = (x.shape[0], x.shape[2]);
        var (height, width) = (x.shape[3], x.shape[4]);

        // (B, C, F, H, W) -> (B*F, C, H, W); per-sample conditioning repeated for each frame.
        var images = x.permute(0, 2, 1, 3, 4).reshape(batch * frames, _inChannels, height, width);
        var timeEmbedding = _timeEmbedding.call(t).repeat_interleave(frames, 0);
        var (context, padding) = _textEncoder.call(tokens);
        context = context.repeat_interleave(frames, 0);
        padding = padding.repeat_interleave(frames, 0);

        var h = _convIn.call(images);
        var skips = new List<Tensor> { h };
        foreach (var level in _downBlocks)
        {
            h = level.forward(h, timeEmbedding, context, padding, skips);
        }

        h = _midBlock.call(h, timeEmbedding, context, padding);
        foreach (var level in _upBlocks)
        {
            h = level.forward(h, timeEmbedding, context, padding, skips);
        }

        h = _convOut.call(nn.functional.silu(_convNormOut.call(h)));
        var eps = h.reshape(batch, frames, _inChannels, height, width).permute(0, 2, 1, 3, 4);
        return eps.contiguous().MoveToOuterDisposeScope();
    }
}
