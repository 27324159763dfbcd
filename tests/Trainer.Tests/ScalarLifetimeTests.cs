using System.Diagnostics;
using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Diffusion;
using Orchestrator.Models.Networks;
using Orchestrator.Models.Sampling;
using Orchestrator.Trainer.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = Orchestrator.Trainer.Optimization.AdamW;

namespace Orchestrator.Trainer.Tests;

/// <summary>
/// A TorchSharp Scalar made implicitly from a .NET number is unreachable while libtorch reads it, so a
/// collection during the native call can finalize it under libtorch (a 700-step run died of that in AdamW).
/// These tests run the hot paths while another thread collects and finalizes without pause.
/// </summary>
public sealed class ScalarLifetimeTests
{
    private static readonly TimeSpan StressTime = TimeSpan.FromSeconds(5);

    private static readonly ModelSection TinyUNet = new()
    {
        InChannels = 3,
        BaseChannels = 8,
        ChannelMultipliers = [1, 2],
        AttentionResolutions = [4],
        ResBlocksPerLevel = 1,
        AttentionHeads = 2,
        TextEncoder = new TextEncoderSection { Width = 16, Layers = 1, Heads = 2 },
    };

    [Fact]
    public void Hot_paths_survive_collections_racing_their_native_calls()
    {
        torch.manual_seed(5);
        using var live = ModelFactory.Create(TinyUNet, 32, 6, 8);
        using var shadow = ModelFactory.Create(TinyUNet, 32, 6, 8);
        var ema = new ExponentialMovingAverage(live, shadow, 0.999);
        // The model's many small parameters plus two largish ones (1 M elements each).
        var large = Enumerable.Range(0, 2).Select(i => (Name: $"large{i}", Value: new Parameter(torch.randn(1024, 1024)))).ToList();
        var parameters = live.named_parameters().Select(p => (Name: p.name, Value: p.parameter)).Concat(large).ToList();
        using var optimizer = new AdamW(parameters, new OptimizerSection { WeightDecay = 0.01 });
        var schedule = NoiseSchedule.Linear(4);
        var objective = new DiffusionObjective(schedule, 0.5, [1], runSeed: 7);
        Sampler[] samplers = [new DdimSampler(schedule, eta: 1), new DdpmSampler(schedule)];
        using var images = torch.rand([2, 3, 1, 8, 8]);
        using var tokens = torch.tensor(new long[] { 1, 3, 4, 0, 0, 0, 1, 5, 0, 0, 0, 0 }, [2, 6]);

        using var stop = new CancellationTokenSource();
        var hammer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        })
        { IsBackground = true };
        hammer.Start();
        try
        {
            var clock = Stopwatch.StartNew();
            for (long round = 0; clock.Elapsed < StressTime; round++)
            {
                using var scope = torch.NewDisposeScope();
                live.zero_grad();
                var loss = objective.SumLoss(live, images, tokens, epoch: 0, [2 * round, (2 * round) + 1]);
                loss.backward();
                Assert.True(float.IsFinite(loss.item<float>()), $"round {round}: loss is not finite");
                var gradients = parameters.Select(p => p.Value.grad ?? torch.randn_like(p.Value)).ToList();
                optimizer.Step(1e-3, gradients);
                ema.Update(round + 1);

                var sampler = samplers[round % 2];
                var sample = sampler.Sample(shadow, tokens, [1], [round, round + 1], (3, 1, 8, 8), guidance: 2.0, steps: 2);
                Assert.True(torch.isfinite(sample).all().item<bool>(), $"round {round}: a sample is not finite");
            }

            Assert.All(parameters, p => Assert.True(torch.isfinite(p.Value).all().item<bool>(), $"{p.Name} is not finite"));
        }
        finally
        {
            stop.Cancel();
            hammer.Join();
            large.ForEach(p => p.Value.Dispose());
        }
    }
}
