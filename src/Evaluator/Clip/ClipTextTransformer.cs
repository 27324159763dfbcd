using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// CLIP's causal text transformer (Hugging Face's CLIPTextTransformer names): token + position embeddings,
/// causally masked encoder, final layer norm, pooled at each sequence's end-of-text token.
/// </summary>
internal sealed class ClipTextTransformer : nn.Module<Tensor, Tensor>
{
    private readonly long _endOfText;

    [ComponentName(Name = "embeddings")]
    private readonly ClipTextEmbeddings _embeddings;

    [ComponentName(Name = "encoder")]
    private readonly ClipEncoder _encoder;

    [ComponentName(Name = "final_layer_norm")]
    private readonly LayerNorm _finalLayerNorm;

    public ClipTextTransformer(ClipConfig config, long endOfText) : base(nameof(ClipTextTransformer))
    {
        _endOfText = endOfText;
        _embeddings = new ClipTextEmbeddings(config.VocabSize, config.MaxPositionEmbeddings, config.Text.HiddenSize);
        _encoder = new ClipEncoder(config.Text);
        _finalLayerNorm = nn.LayerNorm(config.Text.HiddenSize, config.Text.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="tokens">(B, L) int64 token ids, each row holding the end-of-text id.</param>
    /// <returns>(B, D) pooled text features.</returns>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        long length = tokens.shape[1];
        var x = _embeddings.call(tokens);                                                   // (B, L, D)
        var causal = full(length, length, float.NegativeInfinity, x.dtype, x.device).triu(1);  // (L, L)
        x = _finalLayerNorm.call(_encoder.call(x, causal));
        // The first end-of-text position: CLIP's argmax over ids (end-of-text has the largest id) and
        // transformers' eos_token_id search agree on it; padding after it is invisible to it under the causal mask.
        var end = tokens.eq(_endOfText).to_type(ScalarType.Int32).argmax(1);             // (B)
        var rows = arange(tokens.shape[0], device: tokens.device);
        return x[rows, end].MoveToOuterDisposeScope();                                    // (B, D)
    }
}
