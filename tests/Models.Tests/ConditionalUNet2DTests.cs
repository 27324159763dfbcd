using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests;

public sealed class ConditionalUNet2DTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Forward_predicts_noise_of_the_input_shape(int frames)
    {
        using var model = TinyModel.CreateNonZero(seed: 1);
        using var x = TinyModel.Images(2, frames, seed: 2);
        using var t = tensor(new long[] { 3, 500 });
        using var tokens = TinyModel.Tokens([1, 5], [1, 6, 7]);

        using var eps = model.call(x, t, tokens);

        Assert.Equal([2L, 3, frames, TinyModel.ImageSize, TinyModel.ImageSize], eps.shape);
        Assert.True(eps.isfinite().all().item<bool>());
    }

    [Fact]
    public void Frames_of_a_clip_are_denoised_as_independent_images()
    {
        using var model = TinyModel.CreateNonZero(seed: 1);
        using var clip = TinyModel.Images(1, 3, seed: 2);
        using var t = tensor(new long[] { 250 });
        using var tokens = TinyModel.Tokens([1, 5]);

        using var whole = model.call(clip, t, tokens);
        using var middle = model.call(clip[.., .., 1..2], t, tokens);

        Assert.True(whole[.., .., 1..2].allclose(middle, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Pad_tokens_do_not_change_the_prediction()
    {
        using var model = TinyModel.CreateNonZero(seed: 1);
        using var x = TinyModel.Images(1, 1, seed: 2);
        using var t = tensor(new long[] { 100 });
        using var shortCaption = tensor(new long[] { 1, 5 }).reshape(1, 2);
        using var padded = TinyModel.Tokens([1, 5]);
        using var other = TinyModel.Tokens([1, 6]);

        using var a = model.call(x, t, shortCaption);
        using var b = model.call(x, t, padded);
        using var c = model.call(x, t, other);

        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5));
        Assert.False(a.allclose(c, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Same_seed_gives_identical_weights_and_another_seed_different_ones()
    {
        using var first = TinyModel.Create(seed: 42);
        using var second = TinyModel.Create(seed: 42);
        using var third = TinyModel.Create(seed: 43);

        var a = first.named_parameters().ToList();
        var b = second.named_parameters().ToList();
        var c = third.named_parameters().ToList();
        Assert.Equal(a.Select(p => p.name), b.Select(p => p.name));
        for (var i = 0; i < a.Count; i++)
        {
            Assert.True(TinyModel.Identical(a[i].parameter, b[i].parameter), $"{a[i].name} differs under the same seed");
        }

        Assert.Contains(Enumerable.Range(0, a.Count), i => !TinyModel.Identical(a[i].parameter, c[i].parameter));
    }

    [Fact]
    public void Fresh_default_model_has_finite_parameters_and_norms_at_weight_one_bias_zero()
    {
        torch.manual_seed(0);
        using var model = ModelFactory.Create(new ModelSection(), 1024, 16, 32);

        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.True(parameter.isfinite().all().item<bool>(), $"{name} has non-finite values");
        }

        var groupNorms = model.modules().OfType<GroupNorm>().ToList();
        Assert.NotEmpty(groupNorms);
        foreach (var norm in groupNorms)
        {
            Assert.True(norm.weight!.eq(1).all().item<bool>());
            Assert.True(norm.bias!.eq(0).all().item<bool>());
        }
    }

    [Fact]
    public void Parameter_names_are_stable_snake_case_paths()
    {
        using var model = TinyModel.Create(seed: 1);

        var names = model.named_parameters().Select(p => p.name).ToHashSet();

        Assert.Contains("time_embedding.linear_1.weight", names);
        Assert.Contains("text_encoder.token_embedding.weight", names);
        Assert.Contains("text_encoder.layers.0.self_attn.to_q.weight", names);
        Assert.Contains("conv_in.weight", names);
        Assert.Contains("down_blocks.0.resnets.0.conv1.weight", names);
        Assert.Contains("down_blocks.0.downsampler.conv.weight", names);
        Assert.Contains("down_blocks.1.attentions.0.transformer_block.attn2.to_k.weight", names);
        Assert.Contains("mid_block.attention.proj_in.weight", names);
        Assert.Contains("up_blocks.0.resnets.1.conv_shortcut.weight", names);
        Assert.Contains("up_blocks.0.upsampler.conv.weight", names);
        Assert.Contains("conv_norm_out.weight", names);
        Assert.Contains("conv_out.bias", names);
        Assert.DoesNotContain(names, name => name.Contains("down_blocks.0.attentions", StringComparison.Ordinal));
        Assert.All(names, name => Assert.Matches("^[a-z0-9_.]+$", name));
        Assert.All(names, name => Assert.DoesNotContain("._", name, StringComparison.Ordinal));
    }

    [Fact]
    public void Factory_rejects_an_unknown_kind_naming_the_value()
    {
        var error = Assert.Throws<ArgumentException>(
            () => ModelFactory.Create(TinyModel.Section("unet3d"), 32, 6, 8));

        Assert.Contains("model.kind", error.Message, StringComparison.Ordinal);
        Assert.Contains("unet3d", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_rejects_an_attention_resolution_that_no_level_has()
    {
        var section = new ModelSection { AttentionResolutions = [12] };

        var error = Assert.Throws<ArgumentException>(() => ModelFactory.Create(section, 1024, 16, 32));

        Assert.Contains("model.attention_resolutions", error.Message, StringComparison.Ordinal);
        Assert.Contains("12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_rejects_heads_that_do_not_divide_the_text_width()
    {
        var section = new ModelSection { TextEncoder = new TextEncoderSection { Width = 64, Heads = 5 } };

        var error = Assert.Throws<ArgumentException>(() => ModelFactory.Create(section, 1024, 16, 32));

        Assert.Contains("model.text_encoder.heads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_rejects_token_ids_outside_the_vocabulary_naming_it()
    {
        using var model = TinyModel.Create(seed: 1);
        using var x = TinyModel.Images(1, 1, seed: 2);
        using var t = tensor(new long[] { 1 });
        using var tokens = TinyModel.Tokens([1, TinyModel.Vocabulary]);

        var error = Assert.Throws<ArgumentException>(() => model.call(x, t, tokens));

        Assert.Contains("data.vocabulary_size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_rejects_a_4D_input()
    {
        using var model = TinyModel.Create(seed: 1);
        using var x = randn(1, 3, 8, 8);
        using var t = tensor(new long[] { 1 });
        using var tokens = TinyModel.Tokens([1]);

        var error = Assert.Throws<ArgumentException>(() => model.call(x, t, tokens));

        Assert.Contains("(B, 3, F, H, W)", error.Message, StringComparison.Ordinal);
    }
}
