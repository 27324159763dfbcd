using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// CLIP (Radford et al. 2021): image and text towers and their projections into one embedding space, named as in
/// Hugging Face's CLIPModel so that its safetensors load directly.
/// </summary>
internal sealed class ClipModel : nn.Module
{
    [ComponentName(Name = "text_model")]
    private readonly ClipTextTransformer _textModel;

    [ComponentName(Name = "vision_model")]
    private readonly ClipVisionTransformer _visionModel;

    [ComponentName(Name = "visual_projection")]
    private readonly Linear _visualProjection;

    [ComponentName(Name = "text_projection")]
    private readonly Linear _textProjection;

    [ComponentName(Name = "logit_scale")]
    private readonly Parameter _logitScale;

    public ClipModel(ClipConfig config, long endOfText) : base(nameof(ClipModel))
    {
        Config = config;
        _textModel = new ClipTextTransformer(config, endOfText);
        _visionModel = new ClipVisionTransformer(config);
        _visualProjection = nn.Linear(config.Vision.HiddenSize, config.ProjectionDim, hasBias: false);
        _textProjection = nn.Linear(config.Text.HiddenSize, config.ProjectionDim, hasBias: false);
        // CLIP's initial temperature, log(1 / 0.07); the score does not use it, the weights file sets it.
        _logitScale = new Parameter(tensor(Math.Log(1 / 0.07), dtype: ScalarType.Float32));
        RegisterComponents();
    }

    public ClipConfig Config { get; }

    /// <summary>(B, 3, S, S) CLIP-normalised pixels -> (B, projection_dim) image embeddings, not normalised.</summary>
    public Tensor EncodeImage(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return _visualProjection.call(_visionModel.call(pixels)).MoveToOuterDisposeScope();
    }

    /// <summary>(B, L) int64 token ids -> (B, projection_dim) text embeddings, not normalised.</summary>
    public Tensor EncodeText(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        return _textProjection.call(_textModel.call(tokens)).MoveToOuterDisposeScope();
    }
}
