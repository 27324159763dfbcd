using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Safetensors;
using Orchestrator.Models.State;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks.Video;

/// <summary>
/// A text-conditioned video UNet with factorized space-time layers, as in Video Diffusion Models (Ho et al., 2022)
/// and Make-A-Video (Singer et al., 2022): the layers of <see cref="ConditionalUNet2D"/>, under the same parameter
/// names, run on each frame alone (frames folded into the batch), and temporal layers (attention over frames with a
/// relative position bias, a 1-D convolution over frames; every one a residual branch that starts at zero) mix
/// frames. Images are one-frame clips, for which the temporal layers are skipped; within a clip batch, an is_image
/// mask turns them off for image samples whose frame is repeated.
/// </summary>
public sealed class VideoUNet : DiffusionModel
{
    /// <summary>Every temporal parameter's name has a component of this prefix; the others are the image UNet's.</summary>
    public const string TemporalPrefix = "temporal_";

    private readonly long _inChannels;

    [ComponentName(Name = "time_embedding")]
    private readonly TimestepEmbedding _timeEmbedding;

    [ComponentName(Name = "text_encoder")]
    private readonly TextEncoder _textEncoder;

    [ComponentName(Name = "conv_in")]
    private readonly Conv2d _convIn;

    [ComponentName(Name = "down_blocks")]
    private readonly ModuleList<VideoDownLevel> _downBlocks;

    [ComponentName(Name = "mid_block")]
    private readonly VideoMidBlock _midBlock;

    [ComponentName(Name = "up_blocks")]
    private readonly ModuleList<VideoUpLevel> _upBlocks;

    [ComponentName(Name = "conv_norm_out")]
    private readonly GroupNorm _convNormOut;

    [ComponentName(Name = "conv_out")]
    private readonly Conv2d _convOut;

    /// <summary>A fresh video UNet with weights from torch's global generator; use <see cref="ModelFactory"/> to check the section first.</summary>
    /// <param name="model">The model section: the image UNet's keys plus temporal_attention_heads and max_frame_distance.</param>
    /// <param name="vocabularySize">Token ids run from 0 to this, exclusive.</param>
    /// <param name="maxTokens">The longest caption, in tokens.</param>
    /// <param name="imageSize">Side of the training frames: places attention at model.attention_resolutions.</param>
    public VideoUNet(ModelSection model, int vocabularySize, int maxTokens, int imageSize)
        : base(nameof(VideoUNet))
    {
        ArgumentNullException.ThrowIfNull(model);
        _inChannels = model.InChannels;
        long baseChannels = model.BaseChannels;
        var timeDim = 4 * baseChannels;
        long contextDim = model.TextEncoder.Width;
        long heads = model.AttentionHeads;
        long temporalHeads = model.TemporalAttentionHeads == 0 ? heads : model.TemporalAttentionHeads;
        long maxDistance = model.MaxFrameDistance;
        var levels = model.ChannelMultipliers.Count;
        var attentionAt = model.AttentionResolutions.ToHashSet();

        _timeEmbedding = new TimestepEmbedding(baseChannels, timeDim);
        _textEncoder = new TextEncoder(vocabularySize, maxTokens, contextDim, model.TextEncoder.Layers,
            model.TextEncoder.Heads);
        _convIn = nn.Conv2d(model.InChannels, baseChannels, 3, padding: 1);

        // The same construction, in the same order, as ConditionalUNet2D's, so that the spatial names and shapes
        // match it; each block adds one temporal convolution and one temporal attention.
        var channels = baseChannels;
        var side = imageSize;
        var skipChannels = new Stack<long>([channels]);
        var down = new List<VideoDownLevel>();
        for (var level = 0; level < levels; level++)
        {
            var outChannels = baseChannels * model.ChannelMultipliers[level];
            var block = new LevelParts(attentionAt.Contains(side));
            for (var i = 0; i < model.ResBlocksPerLevel; i++)
            {
                block.Add(new ResBlock(channels, outChannels, timeDim), outChannels, contextDim, heads, temporalHeads,
                    maxDistance);
                channels = outChannels;
                skipChannels.Push(channels);
            }

            Downsample? downsampler = null;
            if (level < levels - 1)
            {
                downsampler = new Downsample(channels);
                skipChannels.Push(channels);
                side /= 2;
            }

            down.Add(new VideoDownLevel([.. block.Resnets], [.. block.Attentions], downsampler,
                [.. block.TemporalConvs], [.. block.TemporalAttentions]));
        }

        _downBlocks = new ModuleList<VideoDownLevel>([.. down]);
        _midBlock = new VideoMidBlock(channels, timeDim, contextDim, heads, temporalHeads, maxDistance);

        var up = new List<VideoUpLevel>();
        for (var level = levels - 1; level >= 0; level--)
        {
            var outChannels = baseChannels * model.ChannelMultipliers[level];
            var block = new LevelParts(attentionAt.Contains(side));
            for (var i = 0; i <= model.ResBlocksPerLevel; i++)
            {
                block.Add(new ResBlock(channels + skipChannels.Pop(), outChannels, timeDim), outChannels, contextDim,
                    heads, temporalHeads, maxDistance);
                channels = outChannels;
            }

            Upsample? upsampler = null;
            if (level > 0)
            {
                upsampler = new Upsample(channels);
                side *= 2;
            }

            up.Add(new VideoUpLevel([.. block.Resnets], [.. block.Attentions], upsampler,
                [.. block.TemporalConvs], [.. block.TemporalAttentions]));
        }

        _upBlocks = new ModuleList<VideoUpLevel>([.. up]);
        _convNormOut = Normalization.Group(channels);
        _convOut = nn.Conv2d(channels, model.InChannels, 3, padding: 1);
        using (no_grad())
        {
            nn.init.zeros_(_convOut.weight!);
            nn.init.zeros_(_convOut.bias!);
        }

        RegisterComponents();
    }

    /// <summary>True for the parameters and buffers that the image UNet does not have.</summary>
    public static bool IsTemporal(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Split('.').Any(part => part.StartsWith(TemporalPrefix, StringComparison.Ordinal));
    }

    /// <summary>
    /// A video UNet that starts as <paramref name="imageModel"/> (a unet2d built from the same section): its spatial
    /// weights copied, its temporal branches at zero, so that each output frame equals the image model's output for
    /// that frame until video training moves the temporal layers.
    /// </summary>
    public static VideoUNet FromImageModel(DiffusionModel imageModel, ModelSection model, int vocabularySize,
        int maxTokens, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(imageModel);
        var video = new VideoUNet(model, vocabularySize, maxTokens, imageSize);
        video.LoadImageWeights(new SafetensorsContent($"the {imageModel.GetName()} image model",
            ModuleState.Capture(imageModel), new Dictionary<string, string>()));
        return video;
    }

    /// <summary>
    /// Copies an image UNet's weights (a unet2d checkpoint's model.safetensors, same model section) into the spatial
    /// layers and leaves the temporal ones as they are; every spatial tensor must be present with its shape, and the
    /// file may hold no other tensor.
    /// </summary>
    public void LoadImageWeights(SafetensorsContent imageWeights)
    {
        ArgumentNullException.ThrowIfNull(imageWeights);
        var state = state_dict();
        var unknown = imageWeights.Tensors.Select(t => t.Key).Where(name => !state.ContainsKey(name) || IsTemporal(name))
            .ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException(
                $"{imageWeights.Path}: tensor '{unknown[0]}' is not a spatial parameter of this video UNet " +
                $"({unknown.Count} such); expected the weights of a unet2d built from the same model section.");
        }

        foreach (var (name, target) in state)
        {
            if (!IsTemporal(name))
            {
                ModuleState.CopyInto(target, imageWeights, name);
            }
        }
    }

    /// <summary>Denoises clips that are all videos, or all images when F = 1.</summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor tokens) => forward(x, t, tokens, null);

    /// <summary>
    /// Denoises a clip batch in which some samples may be images, their one frame repeated F times: the temporal
    /// layers leave those samples alone, so each of their frames gets the image prediction.
    /// </summary>
    /// <param name="x">Noisy clips, float (B, C, F, H, W).</param>
    /// <param name="t">Timesteps, int64 (B).</param>
    /// <param name="tokens">Caption tokens, int64 (B, L).</param>
    /// <param name="isImage">True for image samples, bool (B); null when none is.</param>
    /// <returns>Predicted noise, (B, C, F, H, W).</returns>
    public override Tensor forward(Tensor x, Tensor t, Tensor tokens, Tensor? isImage)
    {
        CheckInputs(x, t, tokens, _inChannels);
        var (batch, frames) = (x.shape[0], x.shape[2]);
        if (isImage is not null && (isImage.dtype != ScalarType.Bool || isImage.dim() != 1 || isImage.shape[0] != batch))
        {
            throw new ArgumentException(
                $"expected is_image of dtype Bool and shape ({batch}), got {isImage.dtype} ({string.Join(", ", isImage.shape)}).",
                nameof(isImage));
        }

        using var scope = NewDisposeScope();
        var (height, width) = (x.shape[3], x.shape[4]);

        // (B, C, F, H, W) -> (B*F, C, H, W): the spatial layers see B*F images, so their cost is linear in F.
        var images = x.permute(0, 2, 1, 3, 4).reshape(batch * frames, _inChannels, height, width);
        var timeEmbedding = _timeEmbedding.call(t).repeat_interleave(frames, 0);         // (B*F, E)
        var (context, padding) = _textEncoder.call(tokens);                              // (B, L, D), (B, L)
        context = context.repeat_interleave(frames, 0);                                  // (B*F, L, D)
        padding = padding.repeat_interleave(frames, 0);                                  // (B*F, L)
        var keep = isImage?.logical_not().to(x.dtype).repeat_interleave(frames, 0).view(batch * frames, 1, 1, 1);
        var clip = new ClipFrames(frames, keep);

        var h = _convIn.call(images);
        var skips = new List<Tensor> { h };
        foreach (var level in _downBlocks)
        {
            h = level.forward(h, timeEmbedding, context, padding, skips, clip);
        }

        h = _midBlock.forward(h, timeEmbedding, context, padding, clip);
        foreach (var level in _upBlocks)
        {
            h = level.forward(h, timeEmbedding, context, padding, skips, clip);
        }

        h = _convOut.call(nn.functional.silu(_convNormOut.call(h)));
        var eps = h.reshape(batch, frames, _inChannels, height, width).permute(0, 2, 1, 3, 4);
        return eps.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The blocks of one level as they are built: spatial layers and their temporal companions.</summary>
    private sealed class LevelParts(bool attends)
    {
        public List<ResBlock> Resnets { get; } = [];

        public List<SpatialTransformer> Attentions { get; } = [];

        public List<TemporalConvolution> TemporalConvs { get; } = [];

        public List<TemporalAttention> TemporalAttentions { get; } = [];

        public void Add(ResBlock resnet, long channels, long contextDim, long heads, long temporalHeads,
            long maxDistance)
        {
            Resnets.Add(resnet);
            if (attends)
            {
                Attentions.Add(new SpatialTransformer(channels, contextDim, heads));
            }

            TemporalConvs.Add(new TemporalConvolution(channels));
            TemporalAttentions.Add(new TemporalAttention(channels, temporalHeads, maxDistance));
        }
    }
}
