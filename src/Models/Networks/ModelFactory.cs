using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Networks.Video;

namespace Orchestrator.Models.Networks;

/// <summary>Builds the denoiser a run spec's model section names, after checking the section.</summary>
public static class ModelFactory
{
    /// <summary>
    /// A fresh denoiser with weights from torch's global generator: call torch.manual_seed first for
    /// reproducible weights.
    /// </summary>
    /// <param name="model">The run spec's model section.</param>
    /// <param name="vocabularySize">data.vocabulary_size: token ids run from 0 to this, exclusive.</param>
    /// <param name="maxTokens">data.max_caption_tokens.</param>
    /// <param name="imageSize">data.image_size: model.attention_resolutions are feature-map sides at this input size.</param>
    public static DiffusionModel Create(ModelSection model, int vocabularySize, int maxTokens, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        switch (model.Kind)
        {
            case "unet2d":
                Check(model, vocabularySize, maxTokens, imageSize);
                return new ConditionalUNet2D(model, vocabularySize, maxTokens, imageSize);
            case "video-unet":
                Check(model, vocabularySize, maxTokens, imageSize);
                CheckTemporal(model);
                return new VideoUNet(model, vocabularySize, maxTokens, imageSize);
            default:
                throw new ArgumentException(
                    $"model.kind: '{model.Kind}' is not a known model; expected 'unet2d' or 'video-unet'.", nameof(model));
        }
    }

    private static void Check(ModelSection model, int vocabularySize, int maxTokens, int imageSize)
    {
        Require(vocabularySize >= 2, $"data.vocabulary_size: expected at least 2, got {vocabularySize}.");
        Require(maxTokens >= 1, $"data.max_caption_tokens: expected at least 1, got {maxTokens}.");
        Require(model.InChannels >= 1, $"model.in_channels: expected at least 1, got {model.InChannels}.");
        Require(model.BaseChannels >= 1, $"model.base_channels: expected at least 1, got {model.BaseChannels}.");
        Require(model.ResBlocksPerLevel >= 1,
            $"model.res_blocks_per_level: expected at least 1, got {model.ResBlocksPerLevel}.");
        Require(model.ChannelMultipliers.Count >= 1 && model.ChannelMultipliers.All(m => m >= 1),
            $"model.channel_multipliers: expected one or more multipliers >= 1, got [{string.Join(", ", model.ChannelMultipliers)}].");
        // The time embedding's sinusoids come in cos/sin pairs over base_channels.
        Require(model.BaseChannels % 2 == 0, $"model.base_channels: expected an even number, got {model.BaseChannels}.");

        var levels = model.ChannelMultipliers.Count;
        var reduction = 1 << (levels - 1);
        Require(imageSize >= reduction && imageSize % reduction == 0,
            $"data.image_size: expected a multiple of {reduction} (2 to the number of downsamples), got {imageSize}.");
        var sides = Enumerable.Range(0, levels).Select(level => imageSize >> level).ToList();
        foreach (var resolution in model.AttentionResolutions)
        {
            Require(sides.Contains(resolution),
                $"model.attention_resolutions: {resolution} is not the side of any level's feature map " +
                $"([{string.Join(", ", sides)}] at data.image_size {imageSize}).");
        }

        var attended = Enumerable.Range(0, levels)
            .Where(level => level == levels - 1 || model.AttentionResolutions.Contains(sides[level]))
            .Select(level => (long)model.BaseChannels * model.ChannelMultipliers[level]);
        foreach (var channels in attended)
        {
            Require(model.AttentionHeads >= 1 && channels % model.AttentionHeads == 0,
                $"model.attention_heads: expected a divisor of the attended width {channels}, got {model.AttentionHeads}.");
        }

        var text = model.TextEncoder;
        Require(text.Width >= 1, $"model.text_encoder.width: expected at least 1, got {text.Width}.");
        Require(text.Layers >= 0, $"model.text_encoder.layers: expected 0 or more, got {text.Layers}.");
        Require(text.Heads >= 1 && text.Width % text.Heads == 0,
            $"model.text_encoder.heads: expected a divisor of model.text_encoder.width {text.Width}, got {text.Heads}.");
    }

    /// <summary>The video UNet puts a temporal attention in every block, so its heads must divide every level's width.</summary>
    private static void CheckTemporal(ModelSection model)
    {
        Require(model.TemporalAttentionHeads >= 0,
            $"model.temporal_attention_heads: expected 0 (take attention_heads) or more, got {model.TemporalAttentionHeads}.");
        var heads = model.TemporalAttentionHeads == 0 ? model.AttentionHeads : model.TemporalAttentionHeads;
        foreach (var channels in model.ChannelMultipliers.Select(m => (long)model.BaseChannels * m))
        {
            Require(heads >= 1 && channels % heads == 0,
                $"model.temporal_attention_heads: expected a divisor of every level's width (here {channels}), got {heads}.");
        }

        Require(model.MaxFrameDistance >= 1,
            $"model.max_frame_distance: expected at least 1, got {model.MaxFrameDistance}.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, "model");
        }
    }
}
