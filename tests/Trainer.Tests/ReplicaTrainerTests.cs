using Orchestrator.Core.Checkpoints;
using Orchestrator.Trainer.Replica;
using TorchSharp;

namespace Orchestrator.Trainer.Tests;

public sealed class ReplicaTrainerTests
{
    [Fact]
    public async Task Two_workers_with_batch_b_give_bitwise_the_weights_of_one_worker_with_batch_2b()
    {
        using var tiny = await TinyTraining.CreateAsync(deterministic: true);
        var one = tiny.Workers(1);
        var two = tiny.Workers(2);
        await TinyTraining.RunAsync(one, 0, 3);
        await TinyTraining.RunAsync(two, 0, 3);
        TinyTraining.AssertBitwiseEqual(TinyTraining.Snapshot(one[0]), TinyTraining.Snapshot(two[0]));
        TinyTraining.Dispose(one.Concat(two));
    }

    [Fact]
    public async Task Fast_path_two_workers_match_one_worker_within_float_tolerance()
    {
        using var tiny = await TinyTraining.CreateAsync(deterministic: false);
        var one = tiny.Workers(1);
        var two = tiny.Workers(2);
        await TinyTraining.RunAsync(one, 0, 2);
        await TinyTraining.RunAsync(two, 0, 2);
        foreach (var ((name, a), (_, b)) in one[0].Replica.Model.named_parameters().Zip(two[0].Replica.Model.named_parameters()))
        {
            Assert.True(torch.allclose(a, b, rtol: 1e-4, atol: 1e-5), $"parameter {name} differs beyond float tolerance");
        }
        TinyTraining.Dispose(one.Concat(two));
    }

    [Fact]
    public async Task Replicas_stay_bitwise_identical_after_several_steps()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var workers = tiny.Workers(2);
        await TinyTraining.RunAsync(workers, 0, 3);
        TinyTraining.AssertBitwiseEqual(TinyTraining.Snapshot(workers[0]), TinyTraining.Snapshot(workers[1]));
        TinyTraining.Dispose(workers);
    }

    [Fact]
    public async Task A_step_changes_the_weights_and_reports_the_global_batch()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var workers = tiny.Workers(2);
        var before = TinyTraining.Snapshot(workers[0]);
        var outcomes = await Task.WhenAll(workers.Select(w => w.TrainStepAsync(0, CancellationToken.None)));
        Assert.All(outcomes, o => Assert.Equal(8, o.GlobalSamples));
        Assert.All(outcomes, o => Assert.Equal(4, o.LocalSamples));
        Assert.Equal(outcomes[0].MeanLoss, outcomes[1].MeanLoss);
        Assert.True(outcomes[0].MeanLoss is > 0 and < 10, $"loss {outcomes[0].MeanLoss}");
        var after = TinyTraining.Snapshot(workers[0]);
        Assert.False(before["model.safetensors/conv_out.weight"].AsSpan().SequenceEqual(after["model.safetensors/conv_out.weight"]));
        TinyTraining.Dispose(workers);
    }

    [Fact]
    public async Task Resume_with_another_world_size_gives_the_weights_of_an_unbroken_run()
    {
        using var tiny = await TinyTraining.CreateAsync();
        await tiny.AssertResumeMatchesUnbrokenRunAsync(firstWorld: 2, resumedWorld: 1, split: 2, total: 4);
    }

    [Fact]
    public async Task Checkpoint_round_trip_restores_every_tensor()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var trained = tiny.Workers(1);
        await TinyTraining.RunAsync(trained, 0, 1);
        var store = new CheckpointStore(Path.Combine(tiny.Directory, "checkpoints"), keepLast: 2);
        var info = store.Save(new CheckpointContent { Step = 1, WorldSize = 1, Files = trained[0].Replica.Capture().ToDictionary(p => p.Key, p => p.Value) });

        var fresh = tiny.Workers(1);
        fresh[0].Replica.Restore(CheckpointStore.LoadFolder(info.Path));
        Assert.Equal(1, fresh[0].Replica.Optimizer.StepCount);
        TinyTraining.AssertBitwiseEqual(TinyTraining.Snapshot(trained[0]), TinyTraining.Snapshot(fresh[0]));
        TinyTraining.Dispose(trained.Concat(fresh));
    }

    [Fact]
    public async Task Restoring_a_checkpoint_of_another_model_names_the_tensor_and_shapes()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var workers = tiny.Workers(1);
        var files = workers[0].Replica.Capture().ToDictionary(p => p.Key, p => p.Value);
        var model = files[ModelReplica.ModelFile].ToList();
        int index = model.FindIndex(t => t.Key == "conv_out.bias");
        model[index] = new(model[index].Key, Core.Safetensors.SafeTensor.FromFloats([0f, 0f], 2));
        files[ModelReplica.ModelFile] = model;
        var store = new CheckpointStore(Path.Combine(tiny.Directory, "checkpoints"), keepLast: 2);
        var info = store.Save(new CheckpointContent { Step = 0, Files = files });

        var error = Assert.Throws<InvalidDataException>(() => workers[0].Replica.Restore(CheckpointStore.LoadFolder(info.Path)));
        Assert.Contains("conv_out.bias", error.Message);
        Assert.Contains("has shape [2]; expected [3]", error.Message);
        TinyTraining.Dispose(workers);
    }
}
