using Orchestrator.Core.Sampling;
using Orchestrator.Models.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.Diffusion;

/// <summary>
/// DDPM's simple loss, ||eps - eps_theta(x_t, t, c)||^2 (Ho et al., 2020, eq. 14), with caption dropout for
/// classifier-free guidance (Ho and Salimans, 2022), every draw seeded per sample.
/// </summary>
/// <remarks>
/// Each sample's timestep, noise and caption dropout come from its own generator seeded with
/// <see cref="SampleSeed.Derive"/>(run seed, epoch, sample index, purpose), so a sample's loss does not
/// depend on which batch, micro-batch or worker it lands in (DESIGN.md, "Data: sample plan and cursor").
/// </remarks>
public sealed class DiffusionObjective
{
    private readonly NoiseSchedule _schedule;
    private readonly double _cfgDropout;
    private readonly long[] _emptyCaptionTokens;
    private readonly long _runSeed;

    public DiffusionObjective(NoiseSchedule schedule, double cfgDropout, long[] emptyCaptionTokens, long runSeed)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(emptyCaptionTokens);
        if (!(cfgDropout >= 0 && cfgDropout <= 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(cfgDropout), $"diffusion.cfg_dropout: expected a probability in [0, 1], got {cfgDropout}.");
        }

        if (emptyCaptionTokens.Length == 0)
        {
            throw new ArgumentException("expected the empty caption's tokens (at least the begin token), got none.",
                nameof(emptyCaptionTokens));
        }

        _schedule = schedule;
        _cfgDropout = cfgDropout;
        _emptyCaptionTokens = (long[])emptyCaptionTokens.Clone();
        _runSeed = runSeed;
    }

    /// <summary>
    /// Sum over the samples of each sample's mean squared error between the true and the predicted noise:
    /// a 0-dim tensor. Summing, not averaging, lets the trainer divide by the global batch once.
    /// </summary>
    /// <param name="model">The denoiser.</param>
    /// <param name="x0">Clean samples in [-1, 1], float (n, C, F, H, W).</param>
    /// <param name="tokens">Caption tokens, int64 (n, L), pad id 0.</param>
    /// <param name="epoch">Epoch of the samples (part of their seeds).</param>
    /// <param name="sampleIndices">Global sample index of each row (part of their seeds).</param>
    /// <param name="isImage">bool (n): samples that are images repeated to F frames (their frames must not mix); null: none.</param>
    public Tensor SumLoss(DiffusionModel model, Tensor x0, Tensor tokens, long epoch, IReadOnlyList<long> sampleIndices, Tensor? isImage = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(sampleIndices);
        var n = x0.shape[0];
        if (sampleIndices.Count != n || tokens.dim() != 2 || tokens.shape[0] != n)
        {
            throw new ArgumentException(
                $"expected {n} sample indices and tokens of shape ({n}, L) for x0 of shape ({string.Join(", ", x0.shape)}); " +
                $"got {sampleIndices.Count} indices and tokens of shape ({string.Join(", ", tokens.shape)}).",
                nameof(sampleIndices));
        }

        using var scope = NewDisposeScope();
        var sampleShape = x0.shape[1..];
        var timesteps = new long[n];
        var noises = new Tensor[n];
        var dropped = new bool[n];
        for (var i = 0; i < n; i++)
        {
            timesteps[i] = DrawTimestep(epoch, sampleIndices[i]);
            noises[i] = DrawNoise(epoch, sampleIndices[i], sampleShape);
            dropped[i] = DrawCaptionDropout(epoch, sampleIndices[i]);
        }

        var t = tensor(timesteps, int64).to(x0.device);
        var eps = stack(noises).to(x0.dtype, x0.device);
        var keep = tensor(dropped.Select(d => !d).ToArray()).to(tokens.device).unsqueeze(1);
        var empty = EmptyCaption.Rows(_emptyCaptionTokens, n, tokens.shape[1], tokens.device);
        var conditioning = where(keep, tokens, empty);

        var xt = _schedule.AddNoise(x0, eps, t);
        // An image sample's F frames get independent noise: with the temporal layers masked they are F images at one timestep.
        var predicted = isImage is null ? model.call(xt, t, conditioning) : model.forward(xt, t, conditioning, isImage);
        // pow(2), as TorchSharp's square() is, with its exponent kept alive (ScalarConstants, remarks).
        using var two = 2.ToScalar();
        var perSample = (predicted - eps).pow(two).flatten(1).mean([1]);
        return perSample.sum().MoveToOuterDisposeScope();
    }

    private long DrawTimestep(long epoch, long sampleIndex)
    {
        using var generator = Generator(epoch, sampleIndex, SampleSeed.Purpose.Timestep);
        using var t = randint(0, _schedule.Timesteps, [1], int64, generator: generator);
        return t.item<long>();
    }

    // Drawn on the CPU whatever the model's device, so the noise is the same everywhere.
    private Tensor DrawNoise(long epoch, long sampleIndex, long[] shape)
    {
        using var generator = Generator(epoch, sampleIndex, SampleSeed.Purpose.Noise);
        return randn(shape, float32, CPU, generator: generator);
    }

    private bool DrawCaptionDropout(long epoch, long sampleIndex)
    {
        using var generator = Generator(epoch, sampleIndex, SampleSeed.Purpose.CaptionDropout);
        using var u = rand([1], float64, generator: generator);
        return u.item<double>() < _cfgDropout;
    }

    private torch.Generator Generator(long epoch, long sampleIndex, SampleSeed.Purpose purpose) =>
        new((ulong)SampleSeed.Derive(_runSeed, epoch, sampleIndex, purpose), CPU);
}
