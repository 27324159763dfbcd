using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// CLIP's image tower, a ViT (Dosovitskiy et al. 2021) with a layer norm before the encoder (Hugging Face's
/// CLIPVisionTransformer names, including its spelling "pre_layrnorm"), pooled at the class token.
/// </summary>
internal sealed class ClipVisionTransformer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "embeddings")]
    private readonly ClipVisionEmbeddings _embeddings;

    [ComponentName(Name = "pre_layrnorm")]
    private readonly LayerNorm _preLayerNorm;

    [ComponentName(Name = "encoder")]
    private readonly ClipEncoder _encoder;

    [ComponentName(Name = "post_layernorm")]
    private readonly LayerNorm _postLayerNorm;

    public ClipVisionTransformer(ClipConfig config) : base(nameof(ClipVisionTransformer))
    {
        _embeddings = new ClipVisionEmbeddings(config);
        _preLayerNorm = nn.LayerNorm(config.Vision.HiddenSize, config.Vision.LayerNormEps);
        _encoder = new ClipEncoder(config.Vision);
        _postLayerNorm = nn.LayerNorm(config.Vision.HiddenSize, config.Vision.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="pixels">(B, 3, S, S), CLIP-normalised.</param>
    /// <returns>(B, D) pooled image features.</returns>
    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var x = _encoder.call(_preLayerNorm.call(_embeddings.call(pixels)), null);   // (B, N, D)
        return _postLayerNorm.call(x.select(1, 0)).MoveToOuterDisposeScope();          // class token
    }
}
