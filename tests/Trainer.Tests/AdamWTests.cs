using Orchestrator.Core.RunSpec;
using Orchestrator.Core.Safetensors;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = Orchestrator.Trainer.Optimization.AdamW;

namespace Orchestrator.Trainer.Tests;

public sealed class AdamWTests
{
    [Fact]
    public void Matches_libtorch_AdamW_over_several_steps()
    {
        var spec = new OptimizerSection { Lr = 0.01, Betas = [0.9, 0.99], Eps = 1e-8, WeightDecay = 0.05 };
        torch.manual_seed(3);
        var ours = new Parameter(torch.randn(4, 3));
        var reference = new Parameter(ours.detach().clone());
        using var optimizer = new AdamW([("w", ours)], spec);
        var torchOptimizer = torch.optim.AdamW([reference], lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0.05);
        for (int step = 0; step < 5; step++)
        {
            using var scope = torch.NewDisposeScope();
            var gradient = torch.randn(4, 3);
            optimizer.Step(0.01, [gradient]);
            torchOptimizer.zero_grad();
            (reference * gradient).sum().backward();
            torchOptimizer.step();
        }
        Assert.True(torch.allclose(ours, reference, rtol: 1e-5, atol: 1e-7), "our AdamW drifted from libtorch's");
    }

    [Fact]
    public void State_round_trips_through_capture_and_restore()
    {
        var spec = new OptimizerSection();
        var p = new Parameter(torch.ones(2, 2));
        using var optimizer = new AdamW([("w", p)], spec);
        optimizer.Step(0.001, [torch.full(2, 2, 0.5f)]);
        var captured = optimizer.Capture();
        var state = new SafetensorsContent("optimizer.safetensors", captured, new Dictionary<string, string>());

        var q = new Parameter(torch.ones(2, 2));
        using var restored = new AdamW([("w", q)], spec);
        restored.Restore(state);
        Assert.Equal(1, restored.StepCount);
        Assert.Equal(
            captured.Single(kv => kv.Key == "exp_avg.w").Value.Data,
            restored.Capture().Single(kv => kv.Key == "exp_avg.w").Value.Data);
    }

    [Fact]
    public void Restore_names_a_missing_tensor()
    {
        var p = new Parameter(torch.ones(2));
        using var optimizer = new AdamW([("w", p)], new OptimizerSection());
        var partial = optimizer.Capture().Where(kv => kv.Key != "exp_avg_sq.w").ToList();
        var state = new SafetensorsContent("optimizer.safetensors", partial, new Dictionary<string, string>());
        var error = Assert.Throws<InvalidDataException>(() => optimizer.Restore(state));
        Assert.Contains("optimizer.safetensors: tensor 'exp_avg_sq.w'", error.Message);
    }
}
