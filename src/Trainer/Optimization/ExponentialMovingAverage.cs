using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Trainer.Optimization;

/// <summary>
/// An exponential moving average of the weights, kept in a second copy of the model, as in DDPM
/// (Ho et al., 2020) where samples come from the EMA weights. The decay warms up as
/// min(decay, (1 + n) / (10 + n)) so that early averages are not dominated by the random init.
/// </summary>
public sealed class ExponentialMovingAverage(nn.Module live, nn.Module shadow, double decay)
{
    /// <summary>The averaged copy; sampling and evaluation use it.</summary>
    public nn.Module Shadow { get; } = shadow;

    /// <summary>Starts the average at the live weights.</summary>
    public void Reset()
    {
        using var noGrad = torch.no_grad();
        foreach (var ((_, target), (_, source)) in Shadow.state_dict().Zip(live.state_dict()))
        {
            target.copy_(source);
        }
    }

    /// <summary>Folds the live weights after optimizer step <paramref name="updates"/> (1-based) into the average.</summary>
    public void Update(long updates)
    {
        double d = Math.Min(decay, (1.0 + updates) / (10.0 + updates));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        // Explicit Scalars, alive until the last op has returned (see AdamW's remarks).
        using var keep = d.ToScalar();
        using var take = (1 - d).ToScalar();
        foreach (var ((_, target), (_, source)) in Shadow.state_dict().Zip(live.state_dict()))
        {
            if (target.is_floating_point())
            {
                target.mul_(keep).add_(source, alpha: take);
            }
            else
            {
                target.copy_(source);
            }
        }
    }
}
