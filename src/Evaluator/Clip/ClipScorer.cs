using Orchestrator.Evaluator.Features;
using Orchestrator.Evaluator.Metrics;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// CLIP score of generated images against their captions (<see cref="ClipScore"/>), with a CLIP ViT loaded from
/// Hugging Face files (<see cref="ClipFiles"/>), CLIP's tokenizer and CLIP's preprocessing.
/// </summary>
public sealed class ClipScorer : IDisposable
{
    /// <summary>The metric's report name.</summary>
    public const string MetricName = "clip_score";

    // Pairs per forward pass of either tower.
    private const int ChunkSize = 32;

    private readonly ClipModel _model;

    internal ClipScorer(ClipModel model, ClipTokenizer tokenizer)
    {
        _model = model;
        Tokenizer = tokenizer;
        foreach (var parameter in _model.parameters())
            parameter.requires_grad = false;
        _model.eval();
    }

    /// <summary>The tokenizer of the model.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>Side length of the model's input images.</summary>
    public int ImageSize => _model.Config.ImageSize;

    /// <summary>Width of the shared embedding.</summary>
    public int EmbeddingDimension => _model.Config.ProjectionDim;

    /// <summary>Whether the CLIP score can be computed with these files; the reason names the missing one.</summary>
    public static MetricStatus Availability(ClipFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Weights.Length == 0)
            return new MetricStatus(MetricName, false, "CLIP score off: no weights (eval.clip.weights); see docs/evaluation.md.");
        foreach (var (path, key) in new[]
        {
            (files.Weights, "eval.clip.weights"), (files.Config, "eval.clip.config"),
            (files.Vocab, "eval.clip.vocab"), (files.Merges, "eval.clip.merges"),
        })
        {
            if (!File.Exists(path))
                return new MetricStatus(MetricName, false, $"CLIP score off: {key} '{path}' does not exist.");
        }
        return new MetricStatus(MetricName, true, $"CLIP score on: {files.Weights}.");
    }

    /// <summary>Loads config, tokenizer and weights; errors name the file and what was expected.</summary>
    public static ClipScorer Load(ClipFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!File.Exists(files.Weights))
            throw new FileNotFoundException($"eval.clip.weights: '{files.Weights}' does not exist; expected a Hugging Face CLIPModel safetensors file.", files.Weights);
        var config = ClipConfig.Load(files.Config);
        var tokenizer = ClipTokenizer.Load(files.Vocab, files.Merges);
        if (tokenizer.EndOfTextId >= config.VocabSize)
        {
            throw new InvalidDataException(
                $"{files.Vocab}: end-of-text id {tokenizer.EndOfTextId} is outside text_config.vocab_size {config.VocabSize} of {files.Config}.");
        }
        var model = new ClipModel(config, tokenizer.EndOfTextId);
        try
        {
            ClipWeights.Restore(model, files.Weights);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new ClipScorer(model, tokenizer);
    }

    /// <summary>(n, 3, H, W) images in [-1, 1] -> (n, d) image embeddings (not normalised); the caller disposes them.</summary>
    public Tensor EmbedImages(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = FeatureInput.ToCheckedFloat(images);
        var chunks = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += ChunkSize)
        {
            var chunk = x.narrow(0, start, Math.Min(ChunkSize, x.shape[0] - start));
            chunks.Add(_model.EncodeImage(ClipPreprocess.Apply(chunk, ImageSize)));
        }
        var embeddings = chunks.Count == 0 ? zeros(0, EmbeddingDimension) : cat(chunks, 0);
        return embeddings.MoveToOuterDisposeScope();
    }

    /// <summary>Captions -> (n, d) text embeddings (not normalised); the caller disposes them.</summary>
    public Tensor EmbedTexts(IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = Tokenizer.Tokenize(captions, _model.Config.MaxPositionEmbeddings);
        var chunks = new List<Tensor>();
        for (int start = 0; start < captions.Count; start += ChunkSize)
        {
            int count = Math.Min(ChunkSize, captions.Count - start);
            var flat = new long[count * ids.GetLength(1)];
            Buffer.BlockCopy(ids, start * ids.GetLength(1) * sizeof(long), flat, 0, flat.Length * sizeof(long));
            chunks.Add(_model.EncodeText(tensor(flat, [count, ids.GetLength(1)])));
        }
        var embeddings = chunks.Count == 0 ? zeros(0, EmbeddingDimension) : cat(chunks, 0);
        return embeddings.MoveToOuterDisposeScope();
    }

    /// <summary>The CLIP score of image i against caption i, over all pairs.</summary>
    public double Score(Tensor images, IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(captions);
        if (images.dim() < 1 || images.shape[0] != captions.Count)
            throw new ArgumentException($"{(images.dim() < 1 ? 0 : images.shape[0])} images but {captions.Count} captions; expected one caption per image.", nameof(captions));
        using var imageEmbeddings = EmbedImages(images);
        using var textEmbeddings = EmbedTexts(captions);
        return ClipScore.Compute(imageEmbeddings, textEmbeddings);
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
