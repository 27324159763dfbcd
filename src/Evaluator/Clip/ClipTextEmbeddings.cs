using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>Token and learned position embeddings (Hugging Face's CLIPTextEmbeddings names).</summary>
internal sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "token_embedding")]
    private readonly Embedding _tokenEmbedding;

    [ComponentName(Name = "position_embedding")]
    private readonly Embedding _positionEmbedding;

    public ClipTextEmbeddings(long vocabSize, long positions, long width) : base(nameof(ClipTextEmbeddings))
    {
        _tokenEmbedding = nn.Embedding(vocabSize, width);
        _positionEmbedding = nn.Embedding(positions, width);
        RegisterComponents();
    }

    // (B, L) int64 -> (B, L, D)
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var positions = arange(tokens.shape[1], dtype: ScalarType.Int64, device: tokens.device);
        return _tokenEmbedding.call(tokens).add(_positionEmbedding.call(positions)).MoveToOuterDisposeScope();
    }
}
