using Orchestrator.Coordinator.Evaluation;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Tests.Evaluation;

/// <summary>The best checkpoint by an evaluation metric is pinned, and retention keeps it beside the last K.</summary>
public sealed class BestCheckpointTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly List<string> _notes = [];

    [Fact]
    public void Retention_keeps_the_best_checkpoint_by_fid_beside_the_last_k()
    {
        var store = new CheckpointStore(_folder.Path, keepLast: 2);
        var best = new BestCheckpoint("fid", store, _notes.Add);
        var fid = new Dictionary<long, double> { [1] = 40, [2] = 12, [3] = 30, [4] = 25, [5] = 20 };
        for (long step = 1; step <= 5; step++)
        {
            store.Save(TestCheckpoints.Content(step));
            best.Offer(Evaluation(step, ("fid", fid[step])));
        }

        Assert.Equal(CheckpointStore.FolderName(2), store.Pins()[BestCheckpoint.Label]);
        Assert.Equal(new[] { 2L, 4, 5 }, store.List().Select(c => c.Step).Order());
        Assert.Equal(2, store.Load(BestCheckpoint.Label).Manifest.Step);
    }

    [Fact]
    public void A_better_checkpoint_moves_the_pin_and_the_old_best_is_then_retired()
    {
        var store = new CheckpointStore(_folder.Path, keepLast: 1);
        var best = new BestCheckpoint("frechet", store, _notes.Add);
        store.Save(TestCheckpoints.Content(1));
        Assert.True(best.Offer(Evaluation(1, ("frechet-resnet18", 9.0))));
        store.Save(TestCheckpoints.Content(2));
        Assert.True(best.Offer(Evaluation(2, ("frechet-resnet18", 4.0))));
        store.Save(TestCheckpoints.Content(3));
        Assert.False(best.Offer(Evaluation(3, ("frechet-resnet18", 4.0))));

        Assert.Equal((2L, 4.0), best.Best);
        Assert.Equal(new[] { 2L, 3 }, store.List().Select(c => c.Step).Order());
    }

    [Fact]
    public void Clip_score_is_better_higher()
    {
        var store = new CheckpointStore(_folder.Path, keepLast: 1);
        var best = new BestCheckpoint("clip_score", store, _notes.Add);
        store.Save(TestCheckpoints.Content(1));
        best.Offer(Evaluation(1, ("frechet-resnet18", 9.0), ("clip_score", 21.0)));
        store.Save(TestCheckpoints.Content(2));
        best.Offer(Evaluation(2, ("frechet-resnet18", 1.0), ("clip_score", 20.0)));

        Assert.Equal(CheckpointStore.FolderName(1), store.Pins()[BestCheckpoint.Label]);
    }

    [Fact]
    public void A_metric_the_evaluations_do_not_report_pins_nothing_and_says_so_once()
    {
        var store = new CheckpointStore(_folder.Path, keepLast: 1);
        var best = new BestCheckpoint("fid", store, _notes.Add);
        store.Save(TestCheckpoints.Content(1));
        best.Offer(Evaluation(1, ("frechet-resnet18", 9.0)));
        store.Save(TestCheckpoints.Content(2));
        best.Offer(Evaluation(2, ("frechet-resnet18", 8.0)));

        Assert.Empty(store.Pins());
        var note = Assert.Single(_notes);
        Assert.Contains("reports no finite fid", note, StringComparison.Ordinal);
        Assert.Contains("frechet-resnet18", note, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_metric_is_refused_naming_the_key()
    {
        var store = new CheckpointStore(_folder.Path);
        var error = Assert.Throws<ArgumentException>(() => new BestCheckpoint("loss", store, _notes.Add));
        Assert.Contains("checkpoint.keep_best_by is 'loss'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    private static EvaluationCompleted Evaluation(long step, params (string Name, double Value)[] metrics) =>
        new(step, "grid.png", metrics.ToDictionary(m => m.Name, m => m.Value),
            metrics.Select(m => m.Name).FirstOrDefault(n => n == "fid" || n.StartsWith("frechet-", StringComparison.Ordinal)) ?? "fid",
            "extractor", "local");
}
