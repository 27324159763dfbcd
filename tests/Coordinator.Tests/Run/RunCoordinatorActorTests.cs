using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Run;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Run;

/// <summary>The run coordinator driven by test probes standing in for trainer nodes, their workers, the checkpointer and the evaluator.</summary>
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
    private TestProbe[] _nodes = [];
    private int[] _nodeOfRank = [];
    private IActorRef _coordinator = ActorRefs.Nobody;
    private long _generation;

    public RunCoordinatorActorTests(ITestOutputHelper output)
        : base(VerifiedSerialization.Hocon, output: output)
    {
        _journal = new RunJournal(_folder.File("run"), new ProgressBar(new StringWriter(), interactive: false, "train"));
        _checkpointer = CreateTestProbe("checkpointer");
        _evaluator = CreateTestProbe("evaluator");
    }

    [Fact]
    public void First_group_forms_only_when_min_workers_are_offered()
    {
        Start([1, 1, 1], minWorkers: 3, totalSteps: 4, checkpointEvery: 10);

        Register(0);
        Register(2);
        _nodes[0].ExpectNoMsg(Quiet);
        Register(1);

        var form = ExpectFormGroup();
        Assert.Equal(3, form.WorldSize);
        Assert.Equal(0, form.CommittedSteps);
        Assert.Null(form.CheckpointPath);
        Assert.Equal(new[] { 0, 1, 2 }, form.Nodes.Select(n => n.FirstRank));
        JoinAll(form.Generation);
        ExpectStep(0);
    }

    [Fact]
    public void Next_step_is_sent_only_after_every_rank_completed_the_current_one()
    {
        Start([2], minWorkers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        ExpectStep(0);

        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].ExpectNoMsg(Quiet);
        _workers[1].ExpectNoMsg(TimeSpan.Zero);

        _workers[1].Send(_coordinator, Completed(1, step: 0, loss: 1.0));
        ExpectStep(1);
    }

    [Fact]
    public void The_node_of_rank_0_is_asked_for_checkpoints_with_the_metrics_at_that_step()
    {
        Start([1, 1], minWorkers: 2, totalSteps: 4, checkpointEvery: 2);
        Ready();
        RunSteps(0, 1.0, 0.9);
        var save = _nodes[0].ExpectMsg<SaveCheckpointAt>();
        Assert.Equal(2, save.Step);
        Assert.Equal(0.9, save.Metrics["loss"]);
        _nodes[1].ExpectNoMsg(Quiet);
        ExpectStep(2);
    }

    [Fact]
    public async Task Run_completes_only_after_the_last_checkpoint_was_evaluated_and_every_replica_agrees()
    {
        Start([2], minWorkers: 2, totalSteps: 3, checkpointEvery: 2);
        Ready();
        RunSteps(0, 1.5, 1.4);
        string earlier = SaveCheckpoint(step: 2);
        RunSteps(2, 1.2);
        string last = SaveCheckpoint(step: 3);

        // eval.every_steps 0: the checkpoint at step 2 is not evaluated, the last one is.
        var evaluate = _evaluator.ExpectMsg<EvaluateCheckpoint>();
        Assert.Equal(last, evaluate.Directory);
        Assert.Equal(3, evaluate.Step);
        FinishReplicas(3, "same", "same");
        // The run must not finish while the evaluation is outstanding.
        await Assert.ThrowsAsync<TimeoutException>(() => _completion.Task.WaitAsync(Quiet));

        string grid = _folder.File("grid.png");
        _evaluator.Reply(new EvaluationCompleted(3, grid, new Dictionary<string, double> { ["frechet-resnet18"] = 42.5 }, "frechet-resnet18", "resnet18", "local"));
        var summary = await _completion.Task.WaitAsync(RunTimeout);
        _nodes[0].ExpectMsg<RunEnded>(e => Assert.Equal("coordinator-tests", e.RunName));

        Assert.Equal(0, summary.StartStep);
        Assert.Equal(3, summary.CompletedSteps);
        Assert.Equal(1.5, summary.FirstLoss);
        Assert.Equal(1.2, summary.LastLoss);
        Assert.Equal(last, summary.LastCheckpoint);
        Assert.Equal(grid, summary.LastGrid);
        Assert.Equal(42.5, summary.LastFrechetDistance);
        Assert.True(File.Exists(summary.LossPlotPath), "the loss plot was not written");

        var records = MetricsRecords(summary.MetricsPath);
        var steps = records.Where(r => !r.TryGetProperty("event", out _)).ToList();
        Assert.Equal(new long[] { 1, 2, 3 }, steps.Select(r => r.GetProperty("step").GetInt64()));
        Assert.Equal(new[] { 1.5, 1.4, 1.2 }, steps.Select(r => r.GetProperty("loss").GetDouble()));
        Assert.Equal(new[] { earlier, last }, Events(records, "checkpoint").Select(r => r.GetProperty("directory").GetString()));
        Assert.Single(Events(records, "evaluation"));
        Assert.Single(Events(records, "start"));
        Assert.Single(Events(records, "finish"));
        Assert.Single(Events(records, "replicas"));
    }

    [Fact]
    public async Task A_trainer_leaving_after_the_run_finished_writes_nothing_more()
    {
        RunOneStepToTheReplicas([1, 1]);
        FinishReplicas(1, "same", "same");
        var summary = await _completion.Task.WaitAsync(RunTimeout);
        _nodes[0].ExpectMsg<RunEnded>();
        var before = ReadShared(summary.MetricsPath);

        // The trainers exit once they hear RunEnded; the coordinator sees them go.
        var watcher = CreateTestProbe("watcher");
        watcher.Watch(_nodes[1].Ref);
        Sys.Stop(_nodes[1].Ref);
        watcher.ExpectTerminated(_nodes[1].Ref);
        // The coordinator's death notice came with the watcher's; an answer to Identify comes after it is handled.
        watcher.Send(_coordinator, new Identify(1));
        watcher.ExpectMsg<ActorIdentity>();

        Assert.Equal(before, ReadShared(summary.MetricsPath));
        var records = MetricsRecords(summary.MetricsPath);
        Assert.Single(Events(records, "finish"));
        Assert.Single(Events(records, "replicas"));
        // A node that registers late hears that the run is over.
        Register(0);
        _nodes[0].ExpectMsg<RunEnded>();
    }

    [Fact]
    public async Task Replicas_that_end_with_different_weights_fail_the_run_naming_the_ranks()
    {
        RunOneStepToTheReplicas([2]);

        FinishReplicas(1, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _completion.Task.WaitAsync(RunTimeout));
        Assert.Contains("different weights", failure.Message, StringComparison.Ordinal);
        Assert.Contains("rank 1 bbbbbbbbbbbb", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_step_fails_the_run_naming_the_rank_the_step_and_the_reason()
    {
        Start([2], minWorkers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0);
        ExpectStep(1);

        _workers[1].Send(_coordinator, new StepFailed(_generation, 1, 1, "OutOfMemoryException: no room for the batch", CollectiveFailure: false));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _completion.Task.WaitAsync(RunTimeout));
        Assert.Contains("rank 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("step 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("OutOfMemoryException: no room for the batch", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_failed_on_the_data_plane_re_forms_the_same_group_after_the_grace_and_retries_the_step()
    {
        Start([1, 1], minWorkers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0);
        ExpectStep(1);

        _workers[0].Send(_coordinator, new StepFailed(_generation, 0, 1, "IOException: connection reset", CollectiveFailure: true));

        var form = ExpectFormGroup();
        Assert.Equal(2, form.WorldSize);
        Assert.Equal(1, form.CommittedSteps);
        JoinAll(form.Generation);
        ExpectStep(1);
    }

    [Fact]
    public void A_lost_node_re_forms_the_group_at_the_last_committed_step_without_it()
    {
        Start([1, 1, 1], minWorkers: 3, totalSteps: 6, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0, 0.9);
        ExpectStep(2);
        // Ranks 0 and 2 reduced step 2 but rank 1 did not: the step is not committed.
        _workers[0].Send(_coordinator, Completed(0, step: 2, loss: 0.8));
        _workers[2].Send(_coordinator, Completed(2, step: 2, loss: 0.8));

        Sys.Stop(_nodes[1].Ref);

        // Below min_workers now: the run waits until a node is offered again.
        _nodes[0].ExpectNoMsg(Quiet);
        var spare = CreateTestProbe("spare");
        spare.Send(_coordinator, new RegisterTrainerNode(spare.Ref, [CreateTestProbe("spare-worker").Ref], "127.0.0.1:7100"));
        spare.ExpectMsg<TrainerNodeAccepted>();
        spare.ExpectMsg<FormGroup>();
        var form = ExpectFormGroup(nodes: [0, 2]);
        Assert.Equal(3, form.WorldSize);
        Assert.Equal(2, form.CommittedSteps);
        Assert.Equal(0, form.SourceRank);
        Assert.Equal(new[] { 0, 1, 2 }, form.Nodes.Select(n => n.FirstRank));
        Assert.Equal(spare.Ref, form.Nodes[2].Node);
        // The old generation's answers no longer count.
        _workers[1].Send(_coordinator, Completed(1, step: 2, loss: 0.8));
        JoinAll(form.Generation, nodes: [0, 2]);
        spare.Send(_coordinator, new NodeJoinedGroup(form.Generation, spare.Ref));
        ExpectStep(2, ranks: [0, 2]);
    }

    [Fact]
    public void A_node_that_joins_mid_run_enters_at_the_next_step_boundary_and_takes_the_state_of_rank_0()
    {
        Start([1, 1], minWorkers: 1, totalSteps: 6, checkpointEvery: 10);
        Register(0);
        var first = ExpectFormGroup(nodes: [0]);
        JoinAll(first.Generation, nodes: [0]);
        RunSteps(0, [0], 1.0);
        ExpectStep(1, ranks: [0]);

        Register(1);
        _nodes[1].ExpectNoMsg(Quiet);
        _workers[0].Send(_coordinator, Completed(0, step: 1, loss: 0.9));

        var form = ExpectFormGroup(nodes: [0, 1]);
        Assert.Equal(2, form.CommittedSteps);
        Assert.Equal(0, form.SourceRank);
        Assert.Null(form.CheckpointPath);
        JoinAll(form.Generation, nodes: [0, 1]);
        ExpectStep(2);
    }

    [Fact]
    public void With_fewer_than_min_workers_the_run_waits_then_resumes_when_a_node_joins()
    {
        Start([1, 1, 1], minWorkers: 2, totalSteps: 6, checkpointEvery: 10);
        Register(0);
        Register(1);
        var form = ExpectFormGroup(nodes: [0, 1]);
        JoinAll(form.Generation, nodes: [0, 1]);
        RunSteps(0, [0, 1], 1.0);
        ExpectStep(1, ranks: [0, 1]);

        Sys.Stop(_nodes[1].Ref);
        _nodes[0].ExpectNoMsg(Quiet);

        Register(2);
        var resumed = ExpectFormGroup(nodes: [0, 2]);
        Assert.Equal(1, resumed.CommittedSteps);
        JoinAll(resumed.Generation, nodes: [0, 2]);
        ExpectStep(1, ranks: [0, 2]);
    }

    [Fact]
    public void A_group_of_nccl_nodes_gets_the_unique_id_made_by_the_node_of_rank_0_in_form_group()
    {
        var issue = StartNcclNodes();

        _nodes[1].ExpectNoMsg(Quiet);
        var id = Enumerable.Range(0, 128).Select(i => (byte)i).ToArray();
        _nodes[0].Reply(new NcclIdIssued(issue.Generation, id));

        var form = ExpectFormGroup();
        Assert.Equal(issue.Generation, form.Generation);
        Assert.Equal(id, form.NcclId);
        JoinAll(form.Generation);
        ExpectStep(0);
    }

    [Fact]
    public void A_group_with_a_node_without_nccl_reduces_on_the_ring()
    {
        Start([1, 1], minWorkers: 2, totalSteps: 4, checkpointEvery: 10);
        Register(0, nccl: true);
        Register(1);

        var form = ExpectFormGroup();
        Assert.Null(form.NcclId);
    }

    [Fact]
    public void A_unique_id_of_an_older_generation_is_ignored()
    {
        var issue = StartNcclNodes();

        _nodes[0].Reply(new NcclIdIssued(issue.Generation - 1, new byte[128]));

        _nodes[0].ExpectNoMsg(Quiet);
        _nodes[1].ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Resume_forms_the_first_group_from_the_checkpoint()
    {
        Start([2], minWorkers: 2, totalSteps: 4, checkpointEvery: 10, startStep: 2, resumePath: "checkpoints/step-00000002");
        Register(0);

        var form = ExpectFormGroup();
        Assert.Equal(2, form.CommittedSteps);
        Assert.Equal("checkpoints/step-00000002", form.CheckpointPath);
        JoinAll(form.Generation);
        ExpectStep(2);
    }

    [Fact]
    public async Task Resume_at_the_last_step_finishes_without_running_a_step()
    {
        Start([1], minWorkers: 1, totalSteps: 4, checkpointEvery: 10, startStep: 4, resumePath: "checkpoints/step-00000004");
        Ready();
        FinishReplicas(4, "same");

        var summary = await _completion.Task.WaitAsync(RunTimeout);

        Assert.Equal(4, summary.StartStep);
        Assert.Equal(4, summary.CompletedSteps);
    }

    [Fact]
    public async Task A_failed_checkpoint_fails_the_run_naming_the_step_and_the_reason()
    {
        Start([1], minWorkers: 1, totalSteps: 1, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0);
        _nodes[0].ExpectMsg<SaveCheckpointAt>();

        _checkpointer.Send(_coordinator, new CheckpointFailed(1, "IOException: disk full"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _completion.Task.WaitAsync(RunTimeout));
        Assert.Contains("step 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("IOException: disk full", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_and_stale_step_answers_are_ignored()
    {
        Start([2], minWorkers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        ExpectStep(0);

        // Rank 0 answers twice: the barrier still waits for rank 1.
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].ExpectNoMsg(Quiet);
        _workers[1].Send(_coordinator, Completed(1, step: 0, loss: 1.0));
        ExpectStep(1);

        // A late answer for step 0, an early one for step 3 and one of another generation do not count for step 1.
        _workers[0].Send(_coordinator, Completed(0, step: 0, loss: 1.0));
        _workers[0].Send(_coordinator, Completed(0, step: 3, loss: 1.0));
        _workers[0].Send(_coordinator, new StepCompleted(_generation + 7, 0, Outcome(1, 0.9), ["k"]));
        _workers[1].Send(_coordinator, Completed(1, step: 1, loss: 0.9));
        _workers[1].ExpectNoMsg(Quiet);
        _workers[0].Send(_coordinator, Completed(0, step: 1, loss: 0.9));
        ExpectStep(2);
    }

    [Fact]
    public void Committed_steps_write_every_consumed_sample_key_once()
    {
        Start([2], minWorkers: 2, totalSteps: 4, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0, 0.9);
        ExpectStep(2);

        var lines = ReadShared(Path.Combine(_folder.File("run"), "consumed-samples.tsv"));
        Assert.Equal(
            new[] { "0\t0\tkey-0-0", "0\t1\tkey-0-1", "1\t0\tkey-1-0", "1\t1\tkey-1-1" },
            lines);
    }

    [Fact]
    public async Task A_crash_inside_the_coordinator_fails_the_run_instead_of_restarting_it_empty()
    {
        Start([1], minWorkers: 1, totalSteps: 2, checkpointEvery: 10);
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

    /// <summary>Nodes with the given worker counts (global ranks in node order); nothing registers yet.</summary>
    private void Start(int[] workersPerNode, int minWorkers, long totalSteps, int checkpointEvery, long startStep = 0, string? resumePath = null)
    {
        var schedule = new RunSchedule(startStep, totalSteps, new CheckpointSection { EverySteps = checkpointEvery }, new EvalSection { EverySteps = 0, Prompts = ["a red circle above a blue square"] });
        var settings = new RunCoordinatorSettings(
            "coordinator-tests", minWorkers, MaxWorkers: 64, schedule, resumePath, _journal, _evaluator.Ref, _completion,
            FormationTimeout: TimeSpan.FromSeconds(30), FailureGrace: TimeSpan.FromMilliseconds(300));
        _nodes = Enumerable.Range(0, workersPerNode.Length).Select(n => CreateTestProbe($"node-{n}")).ToArray();
        _nodeOfRank = workersPerNode.SelectMany((count, node) => Enumerable.Repeat(node, count)).ToArray();
        _workers = Enumerable.Range(0, _nodeOfRank.Length).Select(rank => CreateTestProbe($"worker-{rank}")).ToArray();
        _coordinator = Sys.ActorOf(RunCoordinatorActor.Props(settings), "run-coordinator");
    }

    private void Register(int node, bool nccl = false)
    {
        var workers = Enumerable.Range(0, _workers.Length).Where(r => _nodeOfRank[r] == node).Select(r => _workers[r].Ref).ToList();
        _nodes[node].Send(_coordinator, new RegisterTrainerNode(_nodes[node].Ref, workers, $"127.0.0.1:{7000 + node}", nccl));
        _nodes[node].ExpectMsg<TrainerNodeAccepted>();
    }

    /// <summary>Two nodes with NCCL register; the node of rank 0 is asked for the first generation's unique id.</summary>
    private IssueNcclId StartNcclNodes()
    {
        Start([1, 1], minWorkers: 2, totalSteps: 4, checkpointEvery: 10);
        Register(0, nccl: true);
        Register(1, nccl: true);
        return _nodes[0].ExpectMsg<IssueNcclId>();
    }

    /// <summary>Every node registers, the first group forms and every node joins it.</summary>
    private void Ready()
    {
        for (int node = 0; node < _nodes.Length; node++)
        {
            Register(node);
        }
        JoinAll(ExpectFormGroup().Generation);
    }

    private FormGroup ExpectFormGroup(int[]? nodes = null)
    {
        FormGroup? form = null;
        foreach (int node in nodes ?? Enumerable.Range(0, _nodes.Length).ToArray())
        {
            form = _nodes[node].ExpectMsg<FormGroup>();
        }
        _generation = form!.Generation;
        return form;
    }

    private void JoinAll(long generation, int[]? nodes = null)
    {
        foreach (int node in nodes ?? Enumerable.Range(0, _nodes.Length).ToArray())
        {
            _nodes[node].Send(_coordinator, new NodeJoinedGroup(generation, _nodes[node].Ref));
        }
    }

    private void ExpectStep(long step, int[]? ranks = null)
    {
        foreach (int rank in ranks ?? Enumerable.Range(0, _workers.Length).ToArray())
        {
            _workers[rank].ExpectMsg<RunStep>(s =>
            {
                Assert.Equal(step, s.Step);
                Assert.Equal(_generation, s.Generation);
            });
        }
    }

    private void Answer(long step, double loss, int[]? ranks = null)
    {
        var workers = ranks ?? Enumerable.Range(0, _workers.Length).ToArray();
        for (int rank = 0; rank < workers.Length; rank++)
        {
            _workers[workers[rank]].Send(_coordinator, Completed(rank, step, loss));
        }
    }

    /// <summary>Expects and answers consecutive steps from <paramref name="firstStep"/>, one loss each, on every rank.</summary>
    private void RunSteps(long firstStep, params double[] losses) => RunSteps(firstStep, null, losses);

    private void RunSteps(long firstStep, int[]? ranks, params double[] losses)
    {
        for (int i = 0; i < losses.Length; i++)
        {
            ExpectStep(firstStep + i, ranks);
            Answer(firstStep + i, losses[i], ranks);
        }
    }

    /// <summary>The node of rank 0 is asked for a checkpoint; its checkpointer answers that it was saved.</summary>
    private string SaveCheckpoint(long step)
    {
        _nodes[_nodeOfRank[0]].ExpectMsg<SaveCheckpointAt>(s => Assert.Equal(step, s.Step));
        string directory = Path.Combine(_folder.Path, "checkpoints", CheckpointStore.FolderName(step));
        _checkpointer.Send(_coordinator, new CheckpointSaved(step, directory, 0.01));
        return directory;
    }

    /// <summary>A run of one step on two workers up to the fingerprints: its checkpoint saved, its evaluation answered.</summary>
    private void RunOneStepToTheReplicas(int[] workersPerNode)
    {
        Start(workersPerNode, minWorkers: 2, totalSteps: 1, checkpointEvery: 10);
        Ready();
        RunSteps(0, 1.0);
        SaveCheckpoint(step: 1);
        _evaluator.ExpectMsg<EvaluateCheckpoint>();
        _evaluator.Reply(new EvaluationFailed(1, "skipped"));
    }

    private void FinishReplicas(long steps, params string[] fingerprints)
    {
        for (int rank = 0; rank < _workers.Length; rank++)
        {
            _workers[rank].ExpectMsg<FinishRun>(f => Assert.Equal(steps, f.Steps));
            _workers[rank].Send(_coordinator, new ReplicaFinished(rank, steps, fingerprints[rank]));
        }
    }

    private StepCompleted Completed(int rank, long step, double loss) =>
        new(_generation, rank, Outcome(step, loss), [$"key-{step}-{rank}"]);

    private static StepOutcome Outcome(long step, double loss) =>
        new(step, loss, GlobalBatch, GlobalBatch / 2, GradNorm: 0.5, 0.1, 0.01, 0.11);

    private static List<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return lines;
    }

    private static List<JsonElement> MetricsRecords(string path) =>
        ReadShared(path).Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }).ToList();

    private static List<JsonElement> Events(List<JsonElement> records, string name) =>
        records.Where(r => r.TryGetProperty("event", out var e) && e.GetString() == name).ToList();
}
