namespace Orchestrator.Evaluator.Clip;

/// <summary>One CLIP transformer tower, in Hugging Face's config.json terms (text_config or vision_config).</summary>
/// <param name="HiddenSize">Width of the residual stream.</param>
/// <param name="IntermediateSize">Width of the MLP's hidden layer.</param>
/// <param name="NumAttentionHeads">Attention heads; divides <paramref name="HiddenSize"/>.</param>
/// <param name="NumHiddenLayers">Encoder layers.</param>
/// <param name="HiddenAct">quick_gelu (x * sigmoid(1.702 x), OpenAI's CLIP) or gelu.</param>
/// <param name="LayerNormEps">Epsilon of every layer norm.</param>
public sealed record ClipTowerConfig(
    int HiddenSize, int IntermediateSize, int NumAttentionHeads, int NumHiddenLayers, string HiddenAct, double LayerNormEps);
