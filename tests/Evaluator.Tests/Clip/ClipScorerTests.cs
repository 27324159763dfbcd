using Orchestrator.Evaluator.Clip;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Clip;

public sealed class ClipScorerTests
{
    [Fact]
    public void A_tiny_random_clip_loads_from_hugging_face_files_and_embeds_to_the_projection_width()
    {
        using var folder = new TemporaryFolder();
        var files = TinyClip.Write(folder.Path);
        using var scorer = ClipScorer.Load(files);
        using var images = torch.rand(3, 3, 40, 52).mul(2).sub(1);

        using var imageEmbeddings = scorer.EmbedImages(images);
        using var textEmbeddings = scorer.EmbedTexts(["hello", "hello world", "a 12"]);
        double score = scorer.Score(images, ["hello", "hello world", "a 12"]);

        Assert.Equal([3L, 8L], imageEmbeddings.shape);
        Assert.Equal([3L, 8L], textEmbeddings.shape);
        Assert.True(torch.isfinite(imageEmbeddings).all().item<bool>());
        Assert.False(textEmbeddings[0].allclose(textEmbeddings[1]));
        Assert.InRange(score, 0, 100);
    }

    [Fact]
    public void Text_embedding_ignores_what_follows_the_end_token()
    {
        using var folder = new TemporaryFolder();
        using var scorer = ClipScorer.Load(TinyClip.Write(folder.Path));

        // "hello" alone, and with padding that differs: the causal mask keeps the end token from seeing it.
        using var short1 = scorer.EmbedTexts(["hello"]);
        using var short2 = scorer.EmbedTexts(["hello", "hello world hello world"]);

        Assert.True(short1[0].allclose(short2[0], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Half_precision_weights_load_as_float()
    {
        using var folder = new TemporaryFolder();
        var files = TinyClip.Write(folder.Path, dtype: "F16");

        using var scorer = ClipScorer.Load(files);
        using var embeddings = scorer.EmbedTexts(["hello"]);

        Assert.True(torch.isfinite(embeddings).all().item<bool>());
    }

    [Fact]
    public void Module_names_are_hugging_face_clip_names()
    {
        using var folder = new TemporaryFolder();
        var files = TinyClip.Write(folder.Path);
        using var model = new ClipModel(ClipConfig.Load(files.Config), endOfText: TinyClip.VocabSize - 1);
        var names = model.state_dict().Keys.ToHashSet();

        string[] expected =
        [
            "vision_model.embeddings.class_embedding", "vision_model.embeddings.patch_embedding.weight",
            "vision_model.embeddings.position_embedding.weight", "vision_model.pre_layrnorm.weight",
            "vision_model.encoder.layers.1.mlp.fc2.bias", "vision_model.post_layernorm.bias",
            "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
            "text_model.encoder.layers.0.self_attn.q_proj.weight", "text_model.encoder.layers.1.layer_norm2.weight",
            "text_model.final_layer_norm.weight", "visual_projection.weight", "text_projection.weight", "logit_scale",
        ];
        foreach (string name in expected)
            Assert.Contains(name, names);
        Assert.DoesNotContain("visual_projection.bias", names);
    }

    [Fact]
    public void Without_weights_the_clip_score_is_off_with_the_reason()
    {
        var none = ClipScorer.Availability(ClipFiles.FromSpec(""));
        var missing = ClipScorer.Availability(ClipFiles.FromSpec("/nonexistent/clip/model.safetensors"));

        Assert.False(none.Enabled);
        Assert.Equal("CLIP score off: no weights (eval.clip.weights); see docs/evaluation.md.", none.Reason);
        Assert.False(missing.Enabled);
        Assert.Contains("/nonexistent/clip/model.safetensors", missing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_vocab_and_merges_default_to_files_beside_the_weights()
    {
        var files = ClipFiles.FromSpec("/models/clip/model.safetensors", vocab: "/elsewhere/vocab.json");

        Assert.Equal("/models/clip/config.json", files.Config);
        Assert.Equal("/elsewhere/vocab.json", files.Vocab);
        Assert.Equal("/models/clip/merges.txt", files.Merges);
    }

    [Fact]
    public void Weights_of_another_shape_than_the_config_are_refused_naming_the_tensor()
    {
        using var folder = new TemporaryFolder();
        var files = TinyClip.Write(folder.Path);
        File.WriteAllText(files.Config, File.ReadAllText(files.Config).Replace("\"projection_dim\":8", "\"projection_dim\":6", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidDataException>(() => ClipScorer.Load(files));

        Assert.Contains("projection.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_config_value_is_named()
    {
        using var folder = new TemporaryFolder();
        var files = TinyClip.Write(folder.Path);
        File.WriteAllText(files.Config, "{\"vision_config\": {\"image_size\": 30, \"patch_size\": 8}}");

        var error = Assert.Throws<InvalidDataException>(() => ClipConfig.Load(files.Config));

        Assert.Contains("vision_config.image_size 30", error.Message, StringComparison.Ordinal);
    }
}
