using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Run;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Run;

/// <summary>The run coordinator driven by test probes standing in for the workers, the checkpointer and the evaluator.</summary>
public sealed class RunCoordinatorActorTests : Akka.TestKit.Xunit2.TestKit
{
    private const string SpecText = "run: { name: coordinator-tests, seed: 9 }\n";
    private const int GlobalBatch = 8;
    private const long StepsPerEpoch = 3;
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(10);

    private readonly TemporaryFolder _folder = new();
    private readonly RunJournal _journal;
    private readonly TestProbe _checkpointer;
    private readonly TestProbe _evaluator;
    private readonly TaskCompletionSource<RunSummary> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TestProbe[] _workers = [];
    private IActorRef _coordinator = ActorRefs.Nobody;

    public RunCoordinatorActorTests(ITestOutputHelper output)
        : base("akka.loglevel = WARNING", output: output)
    {
        _journal = new RunJournal(_folder.File("run"), new ProgressBar(new StringWriter(), interactive: false, "train"));
        _checkpointer = CreateTestProbe("checkpointer");
        _evaluator = CreateTestProbe("evaluator");
    }

    [Fact]
    public void First_step_waits_until_every_worker_is_ready()
    {
        Start(workers: 3, totalSteps: 4, checkpointEvery: 10);

        _workers[0].Send(_coordinator, new WorkerReady(0, 3));
        _workers[2].Send(_coordinator, new WorkerReady(2, 3));
        _workers[0].ExpectNoMsg(Quiet);
        _workers[2].ExpectNoMsg(TimeSpan.Zero);

        _workers[1].Send(_coordinator, new WorkerReady(1, 3));
        ExpectStep(0);
    }

    [Fact]
    public void Next_step_is_sent_only_after_every_rank_completed_the_current_one()
    {
        Start(workers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        ExpectStep(0);

        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].ExpectNoMsg(Quiet);
        _workers[1].ExpectNoMsg(TimeSpan.Zero);

        _workers[1].Send(_coordinator, Completed(1, step: 0, loss: 1.0));
        ExpectStep(1);
    }

    [Fact]
    public void Rank_0_is_asked_for_state_at_checkpoint_steps_and_the_state_goes_to_the_checkpointer()
    {
        Start(workers: 2, totalSteps: 4, checkpointEvery: 2);
        Ready();
        ExpectStep(0);
        Answer(step: 0, loss: 1.0);
        // No checkpoint after one step: rank 0's next message is the next step.
        ExpectStep(1);
        Answer(step: 1, loss: 0.9);
        _workers[0].ExpectMsg<CaptureState>(c => Assert.Equal(2, c.Step));
        ExpectStep(2);

        var files = TestCheckpoints.Files();
        _workers[0].Send(_coordinator, new StateCaptured(0, 2, files));
        var first = _checkpointer.ExpectMsg<SaveCheckpoint>().Content;
        Assert.Equal(2, first.Step);
        Assert.Equal(2, first.WorldSize);
        Assert.Equal(2 * GlobalBatch, first.SamplesSeen);
        Assert.Equal(0, first.Epoch);
        Assert.Equal(SpecText, first.RunSpec);
        Assert.Equal("coordinator-tests", first.RunName);
        Assert.Equal(9, first.Seed);
        Assert.Equal(0.9, first.Metrics["loss"]);
        Assert.Same(files, first.Files);

        Answer(step: 2, loss: 0.8);
        ExpectStep(3);
        Answer(step: 3, loss: 0.7);
        // The last step always checkpoints, and no step follows it.
        _workers[0].ExpectMsg<CaptureState>(c => Assert.Equal(4, c.Step));
        _workers[1].ExpectNoMsg(Quiet);

        _workers[0].Send(_coordinator, new StateCaptured(0, 4, files));
        var last = _checkpointer.ExpectMsg<SaveCheckpoint>().Content;
        Assert.Equal(4, last.Step);
        Assert.Equal(4 * GlobalBatch, last.SamplesSeen);
        Assert.Equal(1, last.Epoch);
        Assert.Equal(0.7, last.Metrics["loss"]);
    }

    [Fact]
    public async Task Run_completes_only_after_the_last_checkpoint_was_evaluated()
    {
        Start(workers: 2, totalSteps: 3, checkpointEvery: 2);
        Ready();
        RunSteps(0, 1.5, 1.4);
        _workers[0].ExpectMsg<CaptureState>(c => Assert.Equal(2, c.Step));
        string earlier = SaveCheckpoint(step: 2);
        RunSteps(2, 1.2);
        _workers[0].ExpectMsg<CaptureState>(c => Assert.Equal(3, c.Step));
        string last = SaveCheckpoint(step: 3);

        // eval.every_steps 0: the checkpoint at step 2 is not evaluated, the last one is.
        var evaluate = _evaluator.ExpectMsg<EvaluateCheckpoint>();
        Assert.Equal(new EvaluateCheckpoint(last, 3), evaluate);
        // The run must not finish while the evaluation is outstanding.
        await Assert.ThrowsAsync<TimeoutException>(() => _completion.Task.WaitAsync(Quiet));

        string grid = _folder.File("grid.png");
        _evaluator.Reply(new EvaluationCompleted(3, grid, 42.5, "resnet18"));
        var summary = await _completion.Task.WaitAsync(RunTimeout);

        Assert.Equal(0, summary.StartStep);
        Assert.Equal(3, summary.CompletedSteps);
        Assert.Equal(1.5, summary.FirstLoss);
        Assert.Equal(1.2, summary.LastLoss);
        Assert.Equal(last, summary.LastCheckpoint);
        Assert.Equal(grid, summary.LastGrid);
        Assert.Equal(42.5, summary.LastFrechetDistance);
        Assert.Equal("resnet18", summary.Extractor);
        Assert.Equal(Path.Combine(_folder.File("run"), "metrics.jsonl"), summary.MetricsPath);
        Assert.True(File.Exists(summary.LossPlotPath), "the loss plot was not written");

        var records = MetricsRecords(summary.MetricsPath);
        var steps = records.Where(r => !r.TryGetProperty("event", out _)).ToList();
        Assert.Equal(new long[] { 1, 2, 3 }, steps.Select(r => r.GetProperty("step").GetInt64()));
        Assert.Equal(new[] { 1.5, 1.4, 1.2 }, steps.Select(r => r.GetProperty("loss").GetDouble()));
        var checkpoints = Events(records, "checkpoint");
        Assert.Equal(new[] { earlier, last }, checkpoints.Select(r => r.GetProperty("directory").GetString()));
        var evaluation = Assert.Single(Events(records, "evaluation"));
        Assert.Equal(3, evaluation.GetProperty("step").GetInt64());
        Assert.Equal(grid, evaluation.GetProperty("grid").GetString());
        Assert.Single(Events(records, "start"));
        Assert.Single(Events(records, "finish"));
        Assert.Equal(3 + 2 + 1 + 2, records.Count);
    }

    [Fact]
    public async Task A_failed_step_fails_the_run_naming_the_rank_the_step_and_the_reason()
    {
        Start(workers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0);
        ExpectStep(1);

        _workers[1].Send(_coordinator, new StepFailed(1, 1, "OutOfMemoryException: no room for the batch"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _completion.Task.WaitAsync(RunTimeout));
        Assert.Contains("rank 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("step 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("OutOfMemoryException: no room for the batch", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_checkpoint_fails_the_run_naming_the_step_and_the_reason()
    {
        Start(workers: 1, totalSteps: 1, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0);
        _workers[0].ExpectMsg<CaptureState>();
        _workers[0].Send(_coordinator, new StateCaptured(0, 1, TestCheckpoints.Files()));
        _checkpointer.ExpectMsg<SaveCheckpoint>();

        _checkpointer.Reply(new CheckpointFailed(1, "IOException: disk full"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _completion.Task.WaitAsync(RunTimeout));
        Assert.Contains("step 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("IOException: disk full", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_restores_every_worker_before_starting_at_the_checkpoint_step()
    {
        var checkpoint = SavedCheckpoint(step: 2);
        Start(workers: 2, totalSteps: 4, checkpointEvery: 10, startStep: 2, resume: checkpoint);
        Ready();

        foreach (var worker in _workers)
        {
            Assert.Same(checkpoint, worker.ExpectMsg<RestoreState>().Checkpoint);
        }
        _workers[1].Send(_coordinator, new StateRestored(1, 2));
        _workers[0].ExpectNoMsg(Quiet);
        _workers[1].ExpectNoMsg(TimeSpan.Zero);

        _workers[0].Send(_coordinator, new StateRestored(0, 2));
        ExpectStep(2);
    }

    [Fact]
    public async Task Resume_at_the_last_step_finishes_without_running_a_step()
    {
        var checkpoint = SavedCheckpoint(step: 4);
        Start(workers: 1, totalSteps: 4, checkpointEvery: 10, startStep: 4, resume: checkpoint);
        Ready();
        _workers[0].ExpectMsg<RestoreState>();
        _workers[0].Send(_coordinator, new StateRestored(0, 4));

        var summary = await _completion.Task.WaitAsync(RunTimeout);

        Assert.Equal(4, summary.StartStep);
        Assert.Equal(4, summary.CompletedSteps);
        _workers[0].ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_failed_evaluation_still_lets_the_run_finish()
    {
        Start(workers: 1, totalSteps: 1, checkpointEvery: 10);
        Ready();
        RunSteps(0, 2.0);
        _workers[0].ExpectMsg<CaptureState>(c => Assert.Equal(1, c.Step));
        string last = SaveCheckpoint(step: 1);
        _evaluator.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(1, e.Step));

        _evaluator.Reply(new EvaluationFailed(1, "no held-out images"));
        var summary = await _completion.Task.WaitAsync(RunTimeout);

        Assert.Equal(last, summary.LastCheckpoint);
        Assert.Null(summary.LastGrid);
        Assert.Null(summary.LastFrechetDistance);
        var failed = Assert.Single(Events(MetricsRecords(summary.MetricsPath), "evaluation_failed"));
        Assert.Equal("no held-out images", failed.GetProperty("reason").GetString());
    }

    [Fact]
    public void Duplicate_and_stale_step_answers_are_ignored()
    {
        Start(workers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        ExpectStep(0);

        // Rank 0 answers twice: the barrier still waits for rank 1.
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].ExpectNoMsg(Quiet);
        _workers[1].Send(_coordinator, Completed(1, step: 0, loss: 1.0));
        ExpectStep(1);

        // A late answer for step 0 and an early one for step 3 do not count for step 1.
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].Send(_coordinator, Completed(0, step: 3, loss: 1.0));
        _workers[1].Send(_coordinator, Completed(1, step: 1, loss: 0.9));
        _workers[1].ExpectNoMsg(Quiet);
        _workers[0].Send(_coordinator, Completed(0, step: 1, loss: 0.9));
        ExpectStep(2);
    }

    [Fact]
    public void Answers_from_unknown_ranks_and_late_announcements_do_not_count()
    {
        Start(workers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        ExpectStep(0);

        var stranger = CreateTestProbe("stranger");
        stranger.Send(_coordinator, new WorkerReady(5, 2));
        stranger.Send(_coordinator, Completed(5, step: 0, loss: 1.0));
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].ExpectNoMsg(Quiet);
        stranger.ExpectNoMsg(TimeSpan.Zero);

        _workers[1].Send(_coordinator, Completed(1, step: 0, loss: 1.0));
        ExpectStep(1);
    }

    [Fact]
    public async Task A_crash_inside_the_coordinator_fails_the_run_instead_of_restarting_it_empty()
    {
        Start(workers: 1, totalSteps: 2, checkpointEvery: 10);
        Ready();
        ExpectStep(0);

        // The metrics file can no longer be written: recording the step throws inside the actor.
        _journal.Dispose();
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _completion.Task.WaitAsync(RunTimeout));
        Assert.Contains("run coordinator failed handling StepCompleted: ObjectDisposedException", failure.Message, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _journal.Dispose();
            _folder.Dispose();
        }
    }

    private void Start(int workers, long totalSteps, int checkpointEvery, long startStep = 0, LoadedCheckpoint? resume = null)
    {
        var spec = new RunSpec
        {
            Run = new RunSection { Name = "coordinator-tests", Seed = 9 },
            Train = new TrainSection { GlobalBatch = GlobalBatch, MicroBatch = 4, Steps = (int)totalSteps },
        };
        var schedule = new RunSchedule(startStep, totalSteps, new CheckpointSection { EverySteps = checkpointEvery }, new EvalSection { EverySteps = 0, Prompts = ["a red circle above a blue square"] });
        var settings = new RunCoordinatorSettings(
            workers, schedule, resume, new CheckpointContentFactory(spec, SpecText, StepsPerEpoch), _journal,
            _checkpointer.Ref, _evaluator.Ref, _completion);
        _workers = Enumerable.Range(0, workers).Select(rank => CreateTestProbe($"worker-{rank}")).ToArray();
        _coordinator = Sys.ActorOf(RunCoordinatorActor.Props(settings), "run-coordinator");
    }

    private void Ready()
    {
        for (int rank = 0; rank < _workers.Length; rank++)
        {
            _workers[rank].Send(_coordinator, new WorkerReady(rank, _workers.Length));
        }
    }

    private void ExpectStep(long step)
    {
        foreach (var worker in _workers)
        {
            worker.ExpectMsg<RunStep>(s => Assert.Equal(step, s.Step));
        }
    }

    private void Answer(long step, double loss)
    {
        for (int rank = 0; rank < _workers.Length; rank++)
        {
            _workers[rank].Send(_coordinator, Completed(rank, step, loss));
        }
    }

    /// <summary>Expects and answers consecutive steps from <paramref name="firstStep"/>, one loss each.</summary>
    private void RunSteps(long firstStep, params double[] losses)
    {
        for (int i = 0; i < losses.Length; i++)
        {
            ExpectStep(firstStep + i);
            Answer(firstStep + i, losses[i]);
        }
    }

    /// <summary>Rank 0 hands over its state; the checkpointer probe answers that it was saved.</summary>
    private string SaveCheckpoint(long step)
    {
        _workers[0].Send(_coordinator, new StateCaptured(0, step, TestCheckpoints.Files()));
        _checkpointer.ExpectMsg<SaveCheckpoint>(s => Assert.Equal(step, s.Content.Step));
        string directory = Path.Combine(_folder.Path, "checkpoints", CheckpointStore.FolderName(step));
        _checkpointer.Reply(new CheckpointSaved(step, directory, 0.01));
        return directory;
    }

    private LoadedCheckpoint SavedCheckpoint(long step)
    {
        var store = new CheckpointStore(_folder.File("saved"));
        var info = store.Save(TestCheckpoints.Content(step));
        return CheckpointStore.LoadFolder(info.Path);
    }

    private static StepCompleted Completed(int rank, long step, double loss) =>
        new(rank, new StepOutcome(step, loss, GlobalBatch, GlobalBatch / 2, GradNorm: 0.5, 0.1, 0.01, 0.11));

    private static List<JsonElement> MetricsRecords(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var records = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            using var document = JsonDocument.Parse(line);
            records.Add(document.RootElement.Clone());
        }
        return records;
    }

    private static List<JsonElement> Events(List<JsonElement> records, string name) =>
        records.Where(r => r.TryGetProperty("event", out var e) && e.GetString() == name).ToList();
}
