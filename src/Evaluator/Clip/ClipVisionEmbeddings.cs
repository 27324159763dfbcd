using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// Patch embedding (a stride-P convolution without bias), a learned class token in front, learned position
/// embeddings (Hugging Face's CLIPVisionEmbeddings names).
/// </summary>
internal sealed class ClipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "class_embedding")]
    private readonly Parameter _classEmbedding;

    [ComponentName(Name = "patch_embedding")]
    private readonly Conv2d _patchEmbedding;

    [ComponentName(Name = "position_embedding")]
    private readonly Embedding _positionEmbedding;

    public ClipVisionEmbeddings(ClipConfig config) : base(nameof(ClipVisionEmbeddings))
    {
        long width = config.Vision.HiddenSize;
        long patches = (long)(config.ImageSize / config.PatchSize) * (config.ImageSize / config.PatchSize);
        _classEmbedding = new Parameter(zeros(width));
        _patchEmbedding = nn.Conv2d(3, width, config.PatchSize, stride: config.PatchSize, bias: false);
        _positionEmbedding = nn.Embedding(patches + 1, width);
        RegisterComponents();
    }

    // (B, 3, S, S) -> (B, 1 + (S/P)^2, D)
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var patches = _patchEmbedding.call(images).flatten(2).transpose(1, 2);             // (B, (S/P)^2, D)
        var cls = _classEmbedding.view(1, 1, -1).expand(images.shape[0], 1, -1);           // (B, 1, D)
        var x = cat([cls, patches], 1);
        var positions = arange(x.shape[1], dtype: ScalarType.Int64, device: images.device);
        return x.add(_positionEmbedding.call(positions)).MoveToOuterDisposeScope();
    }
}
