using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Diffusion;
using Orchestrator.Models.Sampling;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests;

public sealed class SamplerTests
{
    private static readonly (int, int, int, int) ImageShape = (3, 1, TinyModel.ImageSize, TinyModel.ImageSize);

    [Fact]
    public void Ddim_with_eta_zero_is_deterministic_and_a_sample_ignores_its_batch_neighbours()
    {
        using var model = TinyModel.CreateNonZero(seed: 4);
        var sampler = new DdimSampler(NoiseSchedule.Linear(1000), eta: 0);
        using var pair = TinyModel.Tokens([1, 3], [1, 8, 9]);
        using var single = TinyModel.Tokens([1, 3]);

        using var first = sampler.Sample(model, pair, TinyModel.EmptyCaption, [100, 200], ImageShape, 2.0, 5);
        using var again = sampler.Sample(model, pair, TinyModel.EmptyCaption, [100, 200], ImageShape, 2.0, 5);
        using var alone = sampler.Sample(model, single, TinyModel.EmptyCaption, [100], ImageShape, 2.0, 5);

        Assert.True(TinyModel.Identical(first, again));
        Assert.True(first[0..1].allclose(alone, rtol: 1e-4, atol: 1e-4));
        Assert.False(first[0..1].allclose(first[1..2], rtol: 1e-2, atol: 1e-2));
    }

    [Fact]
    public void Samples_are_in_the_data_range_with_the_clip_shape_and_report_progress()
    {
        using var model = TinyModel.CreateNonZero(seed: 4);
        var sampler = new DdimSampler(NoiseSchedule.Linear(1000), eta: 1);
        using var tokens = TinyModel.Tokens([1, 3], [1, 8]);
        var reports = new List<(int Done, int All)>();

        using var x = sampler.Sample(model, tokens, TinyModel.EmptyCaption, [1, 2], (3, 2, 8, 8), 3.0, 4,
            (done, all) => reports.Add((done, all)));

        Assert.Equal([2L, 3, 2, 8, 8], x.shape);
        Assert.True(x.ge(-1).all().item<bool>() && x.le(1).all().item<bool>());
        Assert.Equal([(1, 4), (2, 4), (3, 4), (4, 4)], reports);
    }

    [Fact]
    public void Guidance_one_is_exactly_the_conditional_prediction_and_others_extrapolate_from_the_unconditional()
    {
        using var model = TinyModel.CreateNonZero(seed: 4);
        using var x = TinyModel.Images(2, 1, seed: 3);
        using var t = tensor(new long[] { 10, 700 });
        using var tokens = TinyModel.Tokens([1, 3], [1, 8, 9]);
        using var empty = TinyModel.Tokens([1], [1]);

        using var conditional = model.call(x, t, tokens);
        using var unconditional = model.call(x, t, empty);
        using var one = ClassifierFreeGuidance.PredictNoise(model, x, t, tokens, empty, 1.0);
        using var three = ClassifierFreeGuidance.PredictNoise(model, x, t, tokens, empty, 3.0);

        Assert.True(TinyModel.Identical(one, conditional));
        using var expected = unconditional + (3.0 * (conditional - unconditional));
        Assert.True(three.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Ddpm_adds_noise_at_every_step_but_the_last()
    {
        var sampler = new DdpmSampler(NoiseSchedule.Linear(10));
        using var x = full([1, 3, 1, 4, 4], 0.5f);
        using var eps = zeros([1, 3, 1, 4, 4]);
        using var noiseA = new SampleNoise([1], [3, 1, 4, 4]);
        using var noiseB = new SampleNoise([2], [3, 1, 4, 4]);

        using var middleA = sampler.Step(x, eps, 5, 4, noiseA);
        using var middleB = sampler.Step(x, eps, 5, 4, noiseB);
        using var lastA = sampler.Step(x, eps, 0, -1, noiseA);
        using var lastB = sampler.Step(x, eps, 0, -1, noiseB);

        Assert.False(middleA.allclose(middleB));
        Assert.True(TinyModel.Identical(lastA, lastB));
        // At t = 0 the posterior mean is the predicted x0 itself: x / sqrt(abar_0) when eps = 0.
        Assert.True(lastA.allclose(x / Math.Sqrt(0.9999), rtol: 1e-6, atol: 1e-7));
    }

    [Fact]
    public void Ddpm_visits_every_timestep_from_the_last_whatever_the_steps()
    {
        var sampler = new DdpmSampler(NoiseSchedule.Linear(10));
        using var model = new ZeroModel();
        using var tokens = TinyModel.Tokens([1, 2]);
        var reports = new List<int>();

        using var x = sampler.Sample(model, tokens, [1], [5], (3, 1, 4, 4), 1.0, 3, (done, _) => reports.Add(done));

        Assert.Equal(Enumerable.Range(0, 10).Reverse(), sampler.Timesteps(3));
        Assert.Equal(10, reports.Count);
        Assert.Equal([0L], model.LastTimesteps);
    }

    [Fact]
    public void Ddim_visits_an_evenly_spaced_subsequence_and_eta_zero_draws_no_step_noise()
    {
        var sampler = new DdimSampler(NoiseSchedule.Linear(1000), eta: 0);
        using var x = full([1, 3, 1, 4, 4], 0.5f);
        using var eps = full([1, 3, 1, 4, 4], 0.1f);
        using var noiseA = new SampleNoise([1], [3, 1, 4, 4]);
        using var noiseB = new SampleNoise([2], [3, 1, 4, 4]);

        using var a = sampler.Step(x, eps, 500, 250, noiseA);
        using var b = sampler.Step(x, eps, 500, 250, noiseB);

        Assert.Equal([750, 500, 250, 0], sampler.Timesteps(4));
        Assert.True(TinyModel.Identical(a, b));
    }

    [Fact]
    public void Ddim_points_from_the_clipped_x0_so_clipping_adds_no_noise()
    {
        // x_t far outside what [-1, 1] data can give at t: the predicted x0 is clipped.
        var schedule = NoiseSchedule.Linear(1000);
        var sampler = new DdimSampler(schedule, eta: 0);
        using var x = full([1, 3, 1, 2, 2], 3.0f);
        using var eps = zeros([1, 3, 1, 2, 2]);
        using var noise = new SampleNoise([1], [3, 1, 2, 2]);

        using var next = sampler.Step(x, eps, 100, 50, noise);

        // Expected: x0 = clip(x / sqrt(abar_t)) = 1, eps' = (x - sqrt(abar_t) x0) / sqrt(1 - abar_t),
        // next = sqrt(abar_s) x0 + sqrt(1 - abar_s) eps'.
        double abarT = schedule.AlphasCumprod[100];
        double abarS = schedule.AlphasCumprod[50];
        double epsPrime = (3.0 - Math.Sqrt(abarT)) / Math.Sqrt(1 - abarT);
        double expected = Math.Sqrt(abarS) + (Math.Sqrt(1 - abarS) * epsPrime);
        Assert.Equal(expected, next[0, 0, 0, 0, 0].item<float>(), 1e-4);
    }

    [Fact]
    public void Ddim_rejects_more_steps_than_timesteps_naming_the_key()
    {
        var sampler = new DdimSampler(NoiseSchedule.Linear(10), eta: 0);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Timesteps(11));

        Assert.Contains("eval.sampler.steps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_picks_the_sampler_by_kind_and_rejects_unknown_kinds_naming_the_value()
    {
        var schedule = NoiseSchedule.Linear(10);

        Assert.IsType<DdimSampler>(SamplerFactory.Create(new SamplerSection { Kind = "ddim" }, schedule));
        Assert.IsType<DdpmSampler>(SamplerFactory.Create(new SamplerSection { Kind = "ddpm" }, schedule));
        var error = Assert.Throws<ArgumentException>(
            () => SamplerFactory.Create(new SamplerSection { Kind = "euler" }, schedule));
        Assert.Contains("eval.sampler.kind", error.Message, StringComparison.Ordinal);
        Assert.Contains("euler", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_rejects_an_eta_above_one_naming_the_key()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => SamplerFactory.Create(new SamplerSection { Eta = 1.5 }, NoiseSchedule.Linear(10)));

        Assert.Contains("eval.sampler.eta", error.Message, StringComparison.Ordinal);
    }
}
