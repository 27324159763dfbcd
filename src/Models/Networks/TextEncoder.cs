using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// The caption encoder trained with the denoiser: token and learned position embeddings, pre-norm Transformer
/// encoder layers and a final LayerNorm. Tokens int64 (B, L) to hidden states (B, L, D) and the pad mask
/// bool (B, L), true at the pad id 0.
/// </summary>
internal sealed class TextEncoder : nn.Module<Tensor, (Tensor Hidden, Tensor Padding)>
{
    /// <summary>The tokenizer's pad id: masked as an attention key everywhere.</summary>
    public const long PadToken = 0;

    private readonly long _vocabularySize;
    private readonly long _maxTokens;

    [ComponentName(Name = "token_embedding")]
    private readonly Embedding _tokenEmbedding;

    [ComponentName(Name = "position_embedding")]
    private readonly Embedding _positionEmbedding;

    [ComponentName(Name = "layers")]
    private readonly ModuleList<TextEncoderLayer> _layers;

    [ComponentName(Name = "final_layer_norm")]
    private readonly LayerNorm _finalLayerNorm;

    public TextEncoder(long vocabularySize, long maxTokens, long width, int layers, long heads)
        : base(nameof(TextEncoder))
    {
        _vocabularySize = vocabularySize;
        _maxTokens = maxTokens;
        _tokenEmbedding = nn.Embedding(vocabularySize, width);
        _positionEmbedding = nn.Embedding(maxTokens, width);
        using (no_grad())
        {
            // GPT-2's embedding scale; N(0, 1) would swamp the first LayerNorm's residual stream.
            nn.init.normal_(_tokenEmbedding.weight!, 0, 0.02);
            nn.init.normal_(_positionEmbedding.weight!, 0, 0.02);
        }

        _layers = new ModuleList<TextEncoderLayer>(
            Enumerable.Range(0, layers).Select(_ => new TextEncoderLayer(width, heads)).ToArray());
        _finalLayerNorm = Normalization.Layer(width);
        RegisterComponents();
    }

    public override (Tensor Hidden, Tensor Padding) forward(Tensor tokens)
    {
        CheckTokens(tokens);
        using var scope = NewDisposeScope();
        using var padToken = PadToken.ToScalar();
        using var length = tokens.shape[1].ToScalar();
        var padding = tokens.eq(padToken);
        var positions = arange(Zero, length, One, int64, tokens.device);
        var h = _tokenEmbedding.call(tokens).add(_positionEmbedding.call(positions).unsqueeze(0), One);
        foreach (var layer in _layers)
        {
            h = layer.call(h, padding);
        }

        h = _finalLayerNorm.call(h);
        return (h.MoveToOuterDisposeScope(), padding.MoveToOuterDisposeScope());
    }

    private void CheckTokens(Tensor tokens)
    {
        if (tokens.dtype != int64 || tokens.shape[1] > _maxTokens || tokens.shape[1] < 1)
        {
            throw new ArgumentException(
                $"expected int64 tokens of shape (B, 1..{_maxTokens}), got {tokens.dtype} ({string.Join(", ", tokens.shape)}).",
                nameof(tokens));
        }

        using var low = tokens.min();
        using var high = tokens.max();
        if (low.item<long>() < 0 || high.item<long>() >= _vocabularySize)
        {
            throw new ArgumentException(
                $"expected token ids in [0, {_vocabularySize}) (data.vocabulary_size), got ids from {low.item<long>()} to {high.item<long>()}.",
                nameof(tokens));
        }
    }
}
