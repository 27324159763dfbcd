using Orchestrator.Core.Safetensors;
using Orchestrator.Evaluator.Clip;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Clip;

public sealed class ClipModelReferenceTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "clip_tiny.safetensors");

    // tools/make_clip_fixture.py's tiny configuration.
    private static readonly ClipConfig Config = new(
        Text: new ClipTowerConfig(16, 32, 2, 2, "quick_gelu", 1e-5),
        Vision: new ClipTowerConfig(12, 24, 3, 2, "quick_gelu", 1e-5),
        VocabSize: TinyClip.VocabSize, MaxPositionEmbeddings: 16, ImageSize: 32, PatchSize: 8, ProjectionDim: 8);

    [Fact]
    public void Image_and_text_embeddings_match_PyTorch()
    {
        var file = SafetensorsFile.Read(Fixture);
        using var model = new ClipModel(Config, endOfText: TinyClip.VocabSize - 1);
        ClipWeights.Restore(model, Fixture);
        model.eval();
        using var tokens = torch.tensor(file["fixture.tokens"].ToFloats().Select(v => (long)v).ToArray(), [2, 16]);
        using var images = torch.tensor(file["fixture.images"].ToFloats(), [2, 3, 24, 40]);

        using var noGrad = torch.no_grad();
        using var pixels = ClipPreprocess.Apply(images, Config.ImageSize);
        using var imageEmbeddings = model.EncodeImage(pixels);
        using var textEmbeddings = model.EncodeText(tokens);

        AssertClose(file["fixture.image_embeds"].ToFloats(), imageEmbeddings, "image");
        AssertClose(file["fixture.text_embeds"].ToFloats(), textEmbeddings, "text");
    }

    [Fact]
    public void The_fixture_token_rows_are_what_the_tokenizer_makes_of_their_texts()
    {
        var file = SafetensorsFile.Read(Fixture);
        var expected = file["fixture.tokens"].ToFloats().Select(v => (long)v).ToArray();

        var ids = TinyClip.Tokenizer().Tokenize(["Hello , !", "world hello a"], contextLength: 16);

        Assert.Equal(expected, ids.Cast<long>().ToArray());
    }

    private static void AssertClose(float[] expected, torch.Tensor actual, string what)
    {
        var values = actual.contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(values[i] - expected[i]) <= 1e-4 * scale, $"{what} embedding {i}: {values[i]} vs {expected[i]}");
    }
}
