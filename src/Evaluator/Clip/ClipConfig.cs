using System.Text.Json;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// The shape of a CLIP model (Radford et al. 2021) as Hugging Face's config.json gives it. Keys the file leaves
/// out take transformers' CLIPConfig defaults (ViT-B/32), as transformers does.
/// </summary>
/// <param name="Text">The text tower.</param>
/// <param name="Vision">The image tower.</param>
/// <param name="VocabSize">Token embedding rows.</param>
/// <param name="MaxPositionEmbeddings">Text positions (the tokenizer's context length).</param>
/// <param name="ImageSize">Side length of the (square) input image.</param>
/// <param name="PatchSize">Side length of an image patch.</param>
/// <param name="ProjectionDim">Width of the shared image-text embedding.</param>
public sealed record ClipConfig(
    ClipTowerConfig Text, ClipTowerConfig Vision, int VocabSize, int MaxPositionEmbeddings, int ImageSize, int PatchSize, int ProjectionDim)
{
    /// <summary>Reads a Hugging Face CLIP config.json; a missing file, bad JSON or a bad value gets an error naming the file and key.</summary>
    public static ClipConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"CLIP config '{path}' does not exist; expected Hugging Face's config.json of the model.", path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object, found {root.ValueKind}.");
            var reader = new Reader(path);
            var text = reader.Section(root, "text_config");
            var vision = reader.Section(root, "vision_config");
            var config = new ClipConfig(
                Text: reader.Tower(text, "text_config", hidden: 512, intermediate: 2048, heads: 8, layers: 12),
                Vision: reader.Tower(vision, "vision_config", hidden: 768, intermediate: 3072, heads: 12, layers: 12),
                VocabSize: reader.Int(text, "text_config.vocab_size", 49408),
                MaxPositionEmbeddings: reader.Int(text, "text_config.max_position_embeddings", 77),
                ImageSize: reader.Int(vision, "vision_config.image_size", 224),
                PatchSize: reader.Int(vision, "vision_config.patch_size", 32),
                ProjectionDim: reader.Int(root, "projection_dim", 512));
            if (config.ImageSize % config.PatchSize != 0)
            {
                throw new InvalidDataException(
                    $"{path}: vision_config.image_size {config.ImageSize} is not a multiple of vision_config.patch_size {config.PatchSize}.");
            }
            return config;
        }
    }

    private sealed class Reader(string path)
    {
        public JsonElement? Section(JsonElement root, string key)
        {
            if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
                return null;
            return value.ValueKind == JsonValueKind.Object
                ? value
                : throw new InvalidDataException($"{path}: '{key}' is {value.ValueKind}; expected an object.");
        }

        public ClipTowerConfig Tower(JsonElement? section, string name, int hidden, int intermediate, int heads, int layers)
        {
            var tower = new ClipTowerConfig(
                Int(section, $"{name}.hidden_size", hidden),
                Int(section, $"{name}.intermediate_size", intermediate),
                Int(section, $"{name}.num_attention_heads", heads),
                Int(section, $"{name}.num_hidden_layers", layers),
                String(section, $"{name}.hidden_act", "quick_gelu"),
                Double(section, $"{name}.layer_norm_eps", 1e-5));
            if (tower.HiddenSize % tower.NumAttentionHeads != 0)
            {
                throw new InvalidDataException(
                    $"{path}: {name}.hidden_size {tower.HiddenSize} is not a multiple of {name}.num_attention_heads {tower.NumAttentionHeads}.");
            }
            if (tower.HiddenAct is not ("quick_gelu" or "gelu"))
                throw new InvalidDataException($"{path}: {name}.hidden_act is '{tower.HiddenAct}'; expected quick_gelu or gelu.");
            return tower;
        }

        public int Int(JsonElement? section, string key, int fallback)
        {
            var value = Find(section, key);
            if (value is null)
                return fallback;
            return value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt32(out int result) && result > 0
                ? result
                : throw new InvalidDataException($"{path}: '{key}' is {value.Value.GetRawText()}; expected a positive integer.");
        }

        private double Double(JsonElement? section, string key, double fallback)
        {
            var value = Find(section, key);
            if (value is null)
                return fallback;
            return value.Value.ValueKind == JsonValueKind.Number && value.Value.GetDouble() > 0
                ? value.Value.GetDouble()
                : throw new InvalidDataException($"{path}: '{key}' is {value.Value.GetRawText()}; expected a positive number.");
        }

        private string String(JsonElement? section, string key, string fallback)
        {
            var value = Find(section, key);
            if (value is null)
                return fallback;
            return value.Value.ValueKind == JsonValueKind.String
                ? value.Value.GetString()!
                : throw new InvalidDataException($"{path}: '{key}' is {value.Value.GetRawText()}; expected a string.");
        }

        private static JsonElement? Find(JsonElement? section, string key)
        {
            string name = key[(key.LastIndexOf('.') + 1)..];
            return section is { } s && s.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
        }
    }
}
