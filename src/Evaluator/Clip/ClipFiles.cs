namespace Orchestrator.Evaluator.Clip;

/// <summary>The files of a Hugging Face CLIP model: weights (safetensors), config.json, vocab.json, merges.txt.</summary>
/// <param name="Weights">model.safetensors of a CLIPModel (eval.clip.weights).</param>
/// <param name="Config">config.json (eval.clip.config).</param>
/// <param name="Vocab">vocab.json (eval.clip.vocab).</param>
/// <param name="Merges">merges.txt (eval.clip.merges).</param>
public sealed record ClipFiles(string Weights, string Config, string Vocab, string Merges)
{
    /// <summary>The spec's paths; an empty config, vocab or merges path means the file of that name beside the weights.</summary>
    public static ClipFiles FromSpec(string weights, string config = "", string vocab = "", string merges = "")
    {
        ArgumentNullException.ThrowIfNull(weights);
        string folder = Path.GetDirectoryName(Path.GetFullPath(weights.Length == 0 ? "." : weights)) ?? ".";
        string Beside(string given, string name) => given is { Length: > 0 } ? given : Path.Combine(folder, name);
        return new ClipFiles(weights, Beside(config, "config.json"), Beside(vocab, "vocab.json"), Beside(merges, "merges.txt"));
    }
}
