using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Diffusion;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests;

public sealed class NoiseScheduleTests
{
    [Fact]
    public void Linear_schedule_alpha_bar_falls_from_0_9999_to_the_product_of_one_minus_beta()
    {
        var schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);

        var product = 1.0;
        for (var t = 0; t < 1000; t++)
        {
            product *= 1 - (1e-4 + ((0.02 - 1e-4) * t / 999));
        }

        Assert.Equal(1000, schedule.Timesteps);
        Assert.Equal(0.9999, schedule.AlphasCumprod[0], 12);
        Assert.Equal(product, schedule.AlphasCumprod[999], 1e-12);
        Assert.InRange(schedule.AlphasCumprod[999], 3.9e-5, 4.1e-5);
        Assert.Equal(0.02, schedule.Betas[999], 12);
        for (var t = 1; t < 1000; t++)
        {
            Assert.True(schedule.AlphasCumprod[t] < schedule.AlphasCumprod[t - 1], $"abar does not fall at t = {t}");
            Assert.Equal(1 - schedule.Betas[t], schedule.Alphas[t], 15);
        }
    }

    [Fact]
    public void Cosine_schedule_alpha_bar_falls_within_0_and_1_and_betas_stay_at_or_below_0_999()
    {
        var schedule = NoiseSchedule.Cosine(1000);

        Assert.All(schedule.Betas, beta => Assert.InRange(beta, 0, 0.999));
        Assert.Equal(0.999, schedule.Betas[999], 12);
        Assert.All(schedule.AlphasCumprod, abar => Assert.True(abar > 0 && abar < 1, $"abar {abar} is outside (0, 1)"));
        for (var t = 1; t < 1000; t++)
        {
            Assert.True(schedule.AlphasCumprod[t] < schedule.AlphasCumprod[t - 1], $"abar does not fall at t = {t}");
        }
    }

    [Fact]
    public void AddNoise_matches_the_closed_form_elementwise()
    {
        var schedule = NoiseSchedule.Linear(1000);
        using var x0 = randn([2, 3, 2, 4, 4]);
        using var eps = randn([2, 3, 2, 4, 4]);
        long[] steps = [5, 900];
        using var t = tensor(steps, int64);

        using var xt = schedule.AddNoise(x0, eps, t);

        Assert.Equal(x0.shape, xt.shape);
        var x0Values = x0.data<float>().ToArray();
        var epsValues = eps.data<float>().ToArray();
        var actual = xt.data<float>().ToArray();
        var perSample = x0Values.Length / 2;
        for (var i = 0; i < actual.Length; i++)
        {
            var abar = schedule.AlphasCumprod[steps[i / perSample]];
            var expected = (Math.Sqrt(abar) * x0Values[i]) + (Math.Sqrt(1 - abar) * epsValues[i]);
            Assert.Equal(expected, actual[i], 1e-5);
        }
    }

    [Fact]
    public void Create_picks_the_schedule_by_name()
    {
        var cosine = NoiseSchedule.Create(new DiffusionSection { Schedule = "cosine", Timesteps = 50 });

        Assert.Equal(NoiseSchedule.Cosine(50).Betas, cosine.Betas);
    }

    [Fact]
    public void Create_rejects_an_unknown_schedule_naming_the_key_and_value()
    {
        var error = Assert.Throws<ArgumentException>(
            () => NoiseSchedule.Create(new DiffusionSection { Schedule = "sigmoid" }));

        Assert.Contains("diffusion.schedule", error.Message, StringComparison.Ordinal);
        Assert.Contains("sigmoid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_rejects_zero_timesteps_naming_the_key()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => NoiseSchedule.Create(new DiffusionSection { Timesteps = 0 }));

        Assert.Contains("diffusion.timesteps", error.Message, StringComparison.Ordinal);
    }
}
