using Orchestrator.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests;

public sealed class DiffusionObjectiveTests
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Linear(1000);

    [Fact]
    public void SumLoss_of_a_batch_equals_the_sum_of_each_sample_alone()
    {
        using var model = TinyModel.CreateNonZero(seed: 3);
        var objective = new DiffusionObjective(Schedule, cfgDropout: 0.5, TinyModel.EmptyCaption, runSeed: 11);
        using var x0 = TinyModel.Images(2, 1, seed: 5);
        using var tokens = TinyModel.Tokens([1, 4, 9], [1, 7]);

        using var a = objective.SumLoss(model, x0[0..1], tokens[0..1], epoch: 2, [40]);
        using var b = objective.SumLoss(model, x0[1..2], tokens[1..2], epoch: 2, [17]);
        using var both = objective.SumLoss(model, x0, tokens, epoch: 2, [40, 17]);

        Assert.Equal(0, both.dim());
        Assert.Equal(a.item<float>() + b.item<float>(), both.item<float>(), 1e-5);
    }

    [Fact]
    public void SumLoss_draws_are_fixed_by_seed_epoch_and_index()
    {
        using var model = TinyModel.CreateNonZero(seed: 3);
        var objective = new DiffusionObjective(Schedule, cfgDropout: 0.1, TinyModel.EmptyCaption, runSeed: 11);
        using var x0 = TinyModel.Images(1, 1, seed: 5);
        using var tokens = TinyModel.Tokens([1, 4, 9]);

        using var first = objective.SumLoss(model, x0, tokens, epoch: 0, [8]);
        using var again = objective.SumLoss(model, x0, tokens, epoch: 0, [8]);
        using var otherEpoch = objective.SumLoss(model, x0, tokens, epoch: 1, [8]);
        using var otherIndex = objective.SumLoss(model, x0, tokens, epoch: 0, [9]);

        Assert.Equal(first.item<float>(), again.item<float>());
        Assert.NotEqual(first.item<float>(), otherEpoch.item<float>());
        Assert.NotEqual(first.item<float>(), otherIndex.item<float>());
    }

    [Fact]
    public void SumLoss_of_a_zero_predictor_is_the_mean_square_of_the_noise_summed_over_samples()
    {
        using var model = new ZeroModel();
        var objective = new DiffusionObjective(Schedule, 0, TinyModel.EmptyCaption, runSeed: 1);
        using var x0 = TinyModel.Images(3, 2, seed: 5);
        using var tokens = TinyModel.Tokens([1, 2], [1, 3], [1, 4]);

        using var loss = objective.SumLoss(model, x0, tokens, epoch: 0, [0, 1, 2]);

        // Each sample's eps is 3*2*8*8 = 384 standard normal draws: a mean square near 1 each.
        Assert.InRange(loss.item<float>(), 2.6f, 3.4f);
        Assert.All(model.LastTimesteps, t => Assert.InRange(t, 0, 999));
    }

    [Fact]
    public void Caption_dropout_replaces_captions_by_the_empty_caption_at_probability_one_and_never_at_zero()
    {
        using var model = new ZeroModel();
        using var x0 = TinyModel.Images(2, 1, seed: 5);
        using var tokens = TinyModel.Tokens([1, 4, 9], [1, 7]);
        long[] empty = [1, 0, 0, 0, 0, 0];

        using (new DiffusionObjective(Schedule, 1, [1], runSeed: 1).SumLoss(model, x0, tokens, 0, [0, 1]))
        {
            Assert.All(model.LastTokens, row => Assert.Equal(empty, row));
        }

        using (new DiffusionObjective(Schedule, 0, [1], runSeed: 1).SumLoss(model, x0, tokens, 0, [0, 1]))
        {
            Assert.Equal([1L, 4, 9, 0, 0, 0], model.LastTokens[0]);
            Assert.Equal([1L, 7, 0, 0, 0, 0], model.LastTokens[1]);
        }
    }

    [Fact]
    public void Loss_falls_on_a_fixed_batch_under_AdamW()
    {
        using var model = TinyModel.Create(seed: 7);
        var objective = new DiffusionObjective(Schedule, cfgDropout: 0, TinyModel.EmptyCaption, runSeed: 5);
        using var x0 = TinyModel.Images(4, 1, seed: 9);
        using var tokens = TinyModel.Tokens([1, 2], [1, 3], [1, 4], [1, 5]);
        long[] indices = [0, 1, 2, 3];
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: 3e-3);

        var losses = new List<float>();
        for (var step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = objective.SumLoss(model, x0, tokens, epoch: 0, indices) / indices.Length;
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        Assert.True(losses[^1] < 0.5 * losses[0], $"loss went from {losses[0]} to {losses[^1]}");
    }

    [Fact]
    public void Constructor_rejects_a_dropout_outside_0_and_1_naming_the_key()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new DiffusionObjective(Schedule, 1.5, TinyModel.EmptyCaption, runSeed: 1));

        Assert.Contains("diffusion.cfg_dropout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SumLoss_rejects_a_sample_index_count_that_differs_from_the_batch()
    {
        using var model = new ZeroModel();
        var objective = new DiffusionObjective(Schedule, 0, TinyModel.EmptyCaption, runSeed: 1);
        using var x0 = TinyModel.Images(2, 1, seed: 5);
        using var tokens = TinyModel.Tokens([1], [1]);

        var error = Assert.Throws<ArgumentException>(() => objective.SumLoss(model, x0, tokens, 0, [0]));

        Assert.Contains("2 sample indices", error.Message, StringComparison.Ordinal);
    }
}
