using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Safetensors;
using Orchestrator.Models.State;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Trainer.Optimization;

/// <summary>
/// AdamW with decoupled weight decay (Loshchilov and Hutter, 2019), written out so that its state
/// (step, exp_avg, exp_avg_sq per parameter) is plain named tensors that checkpoints store as safetensors
/// and that every replica updates with the same elementwise arithmetic.
/// </summary>
/// <remarks>
/// Every TorchSharp Scalar here is explicit and outlives its op (fields, or <c>using</c> locals declared before
/// use): a .NET number passed where TorchSharp takes a Scalar becomes a temporary with a finalizer that a garbage
/// collection can run while libtorch still reads it (a 700-step run died of that at step 147 in this method).
/// </remarks>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Value)> _parameters;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _weightDecay;
    private readonly Scalar _beta1Scalar;
    private readonly Scalar _oneMinusBeta1;
    private readonly Scalar _beta2Scalar;
    private readonly Scalar _oneMinusBeta2;
    private readonly Scalar _eps;
    private readonly Scalar _one;

    public AdamW(IReadOnlyList<(string Name, Parameter Value)> parameters, OptimizerSection spec)
    {
        _parameters = parameters;
        _beta1 = spec.Betas[0];
        _beta2 = spec.Betas[1];
        _weightDecay = spec.WeightDecay;
        _beta1Scalar = _beta1.ToScalar();
        _oneMinusBeta1 = (1 - _beta1).ToScalar();
        _beta2Scalar = _beta2.ToScalar();
        _oneMinusBeta2 = (1 - _beta2).ToScalar();
        _eps = spec.Eps.ToScalar();
        _one = 1.ToScalar();
        _expAvg = parameters.Select(p => torch.zeros_like(p.Value).DetachFromDisposeScope()).ToArray();
        _expAvgSq = parameters.Select(p => torch.zeros_like(p.Value).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Optimizer steps taken so far (Adam's t).</summary>
    public long StepCount { get; private set; }

    /// <summary>One update; <paramref name="gradients"/> holds one tensor per parameter, in parameter order.</summary>
    public void Step(double lr, IReadOnlyList<Tensor> gradients)
    {
        StepCount++;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        double biasCorrection1 = 1 - Math.Pow(_beta1, StepCount);
        using var decay = (1 - lr * _weightDecay).ToScalar();
        using var biasCorrection2 = (1 - Math.Pow(_beta2, StepCount)).ToScalar();
        using var stepSize = (-lr / biasCorrection1).ToScalar();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var p = _parameters[i].Value;
            var g = gradients[i];
            p.mul_(decay);
            _expAvg[i].mul_(_beta1Scalar).add_(g, alpha: _oneMinusBeta1);
            _expAvgSq[i].mul_(_beta2Scalar).addcmul_(g, g, value: _oneMinusBeta2);
            // add_(eps) would pass TorchSharp's own temporary alpha of 1.
            var denominator = (_expAvgSq[i] / biasCorrection2).sqrt_().add_(_eps, _one);
            p.addcdiv_(_expAvg[i], denominator, value: stepSize);
        }
    }

    /// <summary>The state as named tensors: step, exp_avg.NAME, exp_avg_sq.NAME.</summary>
    public List<KeyValuePair<string, SafeTensor>> Capture()
    {
        var state = new List<KeyValuePair<string, SafeTensor>>
        {
            new("step", SafeTensor.FromLongs([StepCount], 1)),
        };
        for (int i = 0; i < _parameters.Count; i++)
        {
            state.Add(new($"exp_avg.{_parameters[i].Name}", ModuleState.ToSafeTensor(_expAvg[i])));
        }
        for (int i = 0; i < _parameters.Count; i++)
        {
            state.Add(new($"exp_avg_sq.{_parameters[i].Name}", ModuleState.ToSafeTensor(_expAvgSq[i])));
        }
        return state;
    }

    /// <summary>Restores a state written by <see cref="Capture"/>.</summary>
    public void Restore(SafetensorsContent state)
    {
        string source = state.Path;
        if (!state.TryGet("step", out var step) || step.Dtype != "I64")
        {
            throw new InvalidDataException($"{source}: tensor 'step' (I64) is missing.");
        }
        StepCount = step.ToLongs()[0];
        for (int i = 0; i < _parameters.Count; i++)
        {
            ModuleState.CopyInto(_expAvg[i], state, $"exp_avg.{_parameters[i].Name}");
            ModuleState.CopyInto(_expAvgSq[i], state, $"exp_avg_sq.{_parameters[i].Name}");
        }
    }

    public void Dispose()
    {
        foreach (var t in _expAvg.Concat(_expAvgSq))
        {
            t.Dispose();
        }

        foreach (var s in new[] { _beta1Scalar, _oneMinusBeta1, _beta2Scalar, _oneMinusBeta2, _eps, _one })
        {
            s.Dispose();
        }
    }
}
