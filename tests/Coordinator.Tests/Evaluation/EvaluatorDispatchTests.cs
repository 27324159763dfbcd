using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Coordinator.Run;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Evaluation;

/// <summary>
/// The run coordinator's dispatch of evaluations, with one trainer node of one worker and test probes standing in
/// for evaluator nodes and the coordinator's own evaluator; every checkpoint is evaluated (eval.every_steps 1).
/// </summary>
public sealed class EvaluatorDispatchTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(10);

    private readonly TemporaryFolder _folder = new();
    private readonly RunJournal _journal;
    private readonly TestProbe _local;
    private readonly TestProbe _node;
    private readonly TestProbe _worker;
    private readonly TestProbe _checkpointer;
    private readonly TaskCompletionSource<RunSummary> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IActorRef _coordinator = ActorRefs.Nobody;
    private long _generation;

    public EvaluatorDispatchTests(ITestOutputHelper output)
        : base(VerifiedSerialization.Hocon, output: output)
    {
        _journal = new RunJournal(_folder.File("run"), new ProgressBar(new StringWriter(), interactive: false, "train"));
        _local = CreateTestProbe("local-evaluator");
        _node = CreateTestProbe("trainer-node");
        _worker = CreateTestProbe("worker");
        _checkpointer = CreateTestProbe("checkpointer");
    }

    [Fact]
    public void Evaluations_go_round_robin_to_evaluator_nodes_and_not_to_the_local_evaluator()
    {
        Start(evalEvery: 1);
        var a = RegisterEvaluator("evaluator-a");
        var b = RegisterEvaluator("evaluator-b");
        StartTraining();

        var first = StepAndSave(0);
        var second = StepAndSave(1);
        var third = StepAndSave(2);

        a.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(first.Step, e.Step));
        b.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(second.Step, e.Step));
        a.ExpectMsg<EvaluateCheckpoint>(e =>
        {
            Assert.Equal(third.Step, e.Step);
            Assert.Equal("step-00000003", e.FolderName);
        });
        _local.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_repeated_registration_is_accepted_but_counted_once()
    {
        Start(evalEvery: 1);
        var a = RegisterEvaluator("evaluator-a");
        a.Send(_coordinator, new RegisterEvaluator(a.Ref));
        a.ExpectMsg<EvaluatorAccepted>();
        var b = RegisterEvaluator("evaluator-b");
        StartTraining();

        StepAndSave(0);
        StepAndSave(1);

        a.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(1, e.Step));
        b.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(2, e.Step));
    }

    [Fact]
    public async Task An_evaluation_on_a_lost_evaluator_node_goes_to_the_local_evaluator_and_the_run_ends()
    {
        Start(evalEvery: 0);
        var node = RegisterEvaluator("evaluator-a");
        StartTraining();
        RunToEnd(lastSteps: 4);
        var sent = node.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(4, e.Step));

        Sys.Stop(node.Ref);

        var again = _local.ExpectMsg<EvaluateCheckpoint>();
        Assert.Equal(sent, again);
        await Assert.ThrowsAsync<TimeoutException>(() => _completion.Task.WaitAsync(Quiet));
        _local.Reply(Completed(4, 7.5, "local"));
        var summary = await _completion.Task.WaitAsync(RunTimeout);
        Assert.Equal(7.5, summary.LastFrechetDistance);
        var lost = Events(summary.MetricsPath, "evaluator_lost");
        Assert.Single(lost);
    }

    [Fact]
    public async Task A_late_answer_of_an_evaluator_node_given_up_on_counts_once()
    {
        Start(evalEvery: 0);
        var slow = RegisterEvaluator("evaluator-slow");
        var other = RegisterEvaluator("evaluator-other");
        StartTraining();
        RunToEnd(lastSteps: 4);
        slow.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(4, e.Step));

        // The slow node is stopped (lost); its evaluation goes to the other node; the answers of both come in.
        var slowRef = slow.Ref;
        Sys.Stop(slowRef);
        other.ExpectMsg<EvaluateCheckpoint>(e => Assert.Equal(4, e.Step));
        other.Reply(Completed(4, 3.0, "other"));
        _coordinator.Tell(Completed(4, 99.0, "slow"), slowRef);

        var summary = await _completion.Task.WaitAsync(RunTimeout);
        other.ExpectMsg<RunEnded>();
        var evaluations = Events(summary.MetricsPath, "evaluation");
        var only = Assert.Single(evaluations);
        Assert.Equal("other", only.GetProperty("evaluator").GetString());
        Assert.Equal(3.0, only.GetProperty("metrics").GetProperty("frechet-resnet18").GetDouble());
    }

    [Fact]
    public async Task A_failed_evaluation_of_an_evaluator_node_does_not_hold_up_the_run()
    {
        Start(evalEvery: 0);
        var node = RegisterEvaluator("evaluator-a");
        StartTraining();
        RunToEnd(lastSteps: 4);
        node.ExpectMsg<EvaluateCheckpoint>();
        node.Reply(new EvaluationFailed(4, "download refused: 401"));

        var summary = await _completion.Task.WaitAsync(RunTimeout);
        var failed = Assert.Single(Events(summary.MetricsPath, "evaluation_failed"));
        Assert.Contains("401", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
        _local.ExpectNoMsg(TimeSpan.Zero);
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

    /// <summary>A run of 4 steps, a checkpoint after each; eval.every_steps 0 evaluates only the last one.</summary>
    private void Start(int evalEvery)
    {
        var schedule = new RunSchedule(
            0, 4, new CheckpointSection { EverySteps = 1 }, new EvalSection { EverySteps = evalEvery, Prompts = ["a red circle"] });
        var settings = new RunCoordinatorSettings(
            "dispatch-tests", 1, MaxWorkers: 8, schedule, null, _journal, _local.Ref, _completion,
            FormationTimeout: TimeSpan.FromSeconds(30), FailureGrace: TimeSpan.FromMilliseconds(300));
        _coordinator = Sys.ActorOf(RunCoordinatorActor.Props(settings), "run-coordinator");
    }

    private TestProbe RegisterEvaluator(string name)
    {
        var probe = CreateTestProbe(name);
        probe.Send(_coordinator, new RegisterEvaluator(probe.Ref));
        probe.ExpectMsg<EvaluatorAccepted>(a => Assert.Equal("dispatch-tests", a.RunName));
        return probe;
    }

    private void StartTraining()
    {
        _node.Send(_coordinator, new RegisterTrainerNode(_node.Ref, [_worker.Ref], "127.0.0.1:7000"));
        _node.ExpectMsg<TrainerNodeAccepted>();
        _generation = _node.ExpectMsg<FormGroup>().Generation;
        _node.Send(_coordinator, new NodeJoinedGroup(_generation, _node.Ref));
    }

    /// <summary>Step <paramref name="step"/> runs and its checkpoint (after step + 1 steps) is saved.</summary>
    private CheckpointSaved StepAndSave(long step)
    {
        _worker.ExpectMsg<RunStep>(s => Assert.Equal(step, s.Step));
        _worker.Send(_coordinator, new StepCompleted(_generation, 0, new StepOutcome(step, 1.0, 4, 4, 0.5, 0.1, 0.01, 0.11), [$"key-{step}"]));
        _node.ExpectMsg<SaveCheckpointAt>(s => Assert.Equal(step + 1, s.Step));
        var saved = new CheckpointSaved(step + 1, Path.Combine(_folder.Path, "checkpoints", CheckpointStore.FolderName(step + 1)), 0.01);
        _checkpointer.Send(_coordinator, saved);
        return saved;
    }

    /// <summary>All <paramref name="lastSteps"/> steps run; only the last checkpoint's evaluation is left unanswered.</summary>
    private void RunToEnd(long lastSteps)
    {
        for (long step = 0; step < lastSteps; step++)
        {
            StepAndSave(step);
        }
        _worker.ExpectMsg<FinishRun>();
        _worker.Send(_coordinator, new ReplicaFinished(0, lastSteps, "same"));
    }

    private static EvaluationCompleted Completed(long step, double distance, string evaluator) =>
        new(step, $"samples/{CheckpointStore.FolderName(step)}.png", new Dictionary<string, double> { ["frechet-resnet18"] = distance },
            "frechet-resnet18", "resnet18-imagenet-onnx-224px", evaluator);

    private static List<JsonElement> Events(string metricsPath, string name)
    {
        using var stream = new FileStream(metricsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var events = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            var record = JsonDocument.Parse(line).RootElement.Clone();
            if (record.TryGetProperty("event", out var e) && e.GetString() == name)
            {
                events.Add(record);
            }
        }
        return events;
    }
}
