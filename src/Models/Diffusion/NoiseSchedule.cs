using Orchestrator.Core.RunSpec;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Diffusion;

/// <summary>The forward (noising) process of a diffusion model: betas, alphas and their cumulative products.</summary>
/// <remarks>
/// Index t runs from 0 to T-1; q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) with
/// abar_t = prod_{s &lt;= t} (1 - beta_s) (Ho et al., 2020, eq. 4). The arrays are the schedule's own:
/// read them, do not write them.
/// </remarks>
public sealed class NoiseSchedule
{
    private NoiseSchedule(double[] betas)
    {
        Betas = betas;
        Alphas = new double[betas.Length];
        AlphasCumprod = new double[betas.Length];
        var product = 1.0;
        for (var t = 0; t < betas.Length; t++)
        {
            Alphas[t] = 1.0 - betas[t];
            product *= Alphas[t];
            AlphasCumprod[t] = product;
        }
    }

    /// <summary>Number of diffusion steps T.</summary>
    public int Timesteps => Betas.Length;

    /// <summary>beta_t, the variance added at step t.</summary>
    public double[] Betas { get; }

    /// <summary>alpha_t = 1 - beta_t.</summary>
    public double[] Alphas { get; }

    /// <summary>abar_t = prod_{s &lt;= t} alpha_s.</summary>
    public double[] AlphasCumprod { get; }

    /// <summary>The schedule a run spec's diffusion section names.</summary>
    public static NoiseSchedule Create(DiffusionSection diffusion)
    {
        ArgumentNullException.ThrowIfNull(diffusion);
        return diffusion.Schedule switch
        {
            "linear" => Linear(diffusion.Timesteps),
            "cosine" => Cosine(diffusion.Timesteps),
            _ => throw new ArgumentException(
                $"diffusion.schedule: '{diffusion.Schedule}' is not a known schedule; expected 'linear' or 'cosine'.",
                nameof(diffusion)),
        };
    }

    /// <summary>DDPM's schedule: betas evenly spaced from betaStart to betaEnd (Ho et al., 2020, section 4).</summary>
    public static NoiseSchedule Linear(int timesteps, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        CheckTimesteps(timesteps);
        if (!(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(betaEnd), $"expected 0 < betaStart <= betaEnd < 1, got {betaStart} and {betaEnd}.");
        }

        var betas = new double[timesteps];
        for (var t = 0; t < timesteps; t++)
        {
            betas[t] = timesteps == 1 ? betaStart : betaStart + ((betaEnd - betaStart) * t / (timesteps - 1));
        }

        return new NoiseSchedule(betas);
    }

    /// <summary>
    /// Improved DDPM's cosine schedule: abar(t) = f(t) / f(0), f(t) = cos(((t / T) + s) / (1 + s) * pi / 2)^2,
    /// beta_t = 1 - abar(t + 1) / abar(t) clipped at 0.999 so that the last steps stay finite
    /// (Nichol and Dhariwal, 2021, eq. 17).
    /// </summary>
    public static NoiseSchedule Cosine(int timesteps, double s = 0.008)
    {
        CheckTimesteps(timesteps);
        if (!(s >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(s), $"expected an offset s >= 0, got {s}.");
        }

        double F(int t) => Math.Pow(Math.Cos((((double)t / timesteps) + s) / (1 + s) * Math.PI / 2), 2);
        var betas = new double[timesteps];
        for (var t = 0; t < timesteps; t++)
        {
            betas[t] = Math.Min(1 - (F(t + 1) / F(t)), 0.999);
        }

        return new NoiseSchedule(betas);
    }

    /// <summary>x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (Ho et al., 2020, eq. 4).</summary>
    /// <param name="x0">Clean data, (n, ...) — (n, C, F, H, W) for the models here.</param>
    /// <param name="eps">Standard normal noise, the shape of x0.</param>
    /// <param name="t">Timesteps, int64 (n).</param>
    public Tensor AddNoise(Tensor x0, Tensor eps, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(eps);
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 1 || t.shape[0] != x0.shape[0])
        {
            throw new ArgumentException(
                $"expected timesteps of shape ({x0.shape[0]}), got ({string.Join(", ", t.shape)}).", nameof(t));
        }

        using var scope = NewDisposeScope();
        var signal = PerSample(AlphasCumprod.Select(Math.Sqrt), t, x0);
        var noise = PerSample(AlphasCumprod.Select(a => Math.Sqrt(1 - a)), t, x0);
        return (signal * x0).add(noise * eps, One).MoveToOuterDisposeScope();
    }

    /// <summary>values[t_i] for each sample i, shaped (n, 1, ..., 1) to broadcast against like, in its dtype and device.</summary>
    private static Tensor PerSample(IEnumerable<double> values, Tensor t, Tensor like)
    {
        var table = tensor(values.ToArray(), float64);
        var picked = table.index_select(0, t.to(CPU).to(int64));
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = like.shape[0];
        return picked.reshape(shape).to(like.dtype, like.device);
    }

    private static void CheckTimesteps(int timesteps)
    {
        if (timesteps < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timesteps), $"diffusion.timesteps: expected at least 1, got {timesteps}.");
        }
    }
}
