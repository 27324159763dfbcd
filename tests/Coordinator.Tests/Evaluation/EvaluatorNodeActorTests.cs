using Akka.Actor;
using Orchestrator.Coordinator.Evaluation;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Evaluator.Actors;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Evaluation;

/// <summary>An evaluator node with probes for the coordinator (proxy) and its evaluator, and a checkpoint source that copies folders.</summary>
public sealed class EvaluatorNodeActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(VerifiedSerialization.Hocon, output: output)
{
    [Fact]
    public async Task Registers_fetches_the_named_checkpoint_reports_to_the_coordinator_and_releases_the_copy()
    {
        var proxy = CreateTestProbe("proxy");
        var evaluator = CreateTestProbe("evaluator");
        var source = new RecordingSource(fail: false);
        var events = new EvaluatorNodeEvents();
        var node = Sys.ActorOf(EvaluatorNodeActor.Props(proxy.Ref, evaluator.Ref, source, events));

        proxy.ExpectMsg<RegisterEvaluator>(r => Assert.Equal(node, r.Evaluator));
        proxy.Reply(new EvaluatorAccepted("run-a"));
        Assert.Equal("run-a", await events.Registered.Task.WaitAsync(TimeSpan.FromSeconds(5)));

        proxy.Send(node, new EvaluateCheckpoint("/elsewhere/checkpoints/step-00000006", 6, "00-trace"));
        var local = evaluator.ExpectMsg<EvaluateCheckpoint>();
        Assert.Equal("/cache/step-00000006", local.Directory);
        Assert.Equal(6, local.Step);
        Assert.Equal("00-trace", local.TraceParent);
        Assert.Equal(proxy.Ref.Path.Address, source.Coordinator);

        var completed = new EvaluationCompleted(6, "grid.png", new Dictionary<string, double> { ["frechet-x"] = 1 }, "frechet-x", "x", "node");
        evaluator.Reply(completed);
        // The answer went through the cluster serializer: equal values, not the same dictionary.
        proxy.ExpectMsg<EvaluationCompleted>(m =>
        {
            Assert.Equal(completed.Metrics, m.Metrics);
            Assert.Equal(completed with { Metrics = m.Metrics }, m);
        });
        AwaitCondition(() => source.Released.Contains("/cache/step-00000006"));

        node.Tell(new RunEnded("run-a"));
        Assert.Equal("run-a", await events.RunEnded.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_fetched_is_reported_as_a_failed_evaluation()
    {
        var proxy = CreateTestProbe("proxy");
        var evaluator = CreateTestProbe("evaluator");
        var node = Sys.ActorOf(EvaluatorNodeActor.Props(proxy.Ref, evaluator.Ref, new RecordingSource(fail: true), new EvaluatorNodeEvents()));
        proxy.ExpectMsg<RegisterEvaluator>();
        proxy.Reply(new EvaluatorAccepted("run-a"));

        proxy.Send(node, new EvaluateCheckpoint("/x/step-00000002", 2));

        var failed = proxy.ExpectMsg<EvaluationFailed>();
        Assert.Equal(2, failed.Step);
        Assert.Contains("step-00000002 could not be fetched", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("sha256 mismatch", failed.Reason, StringComparison.Ordinal);
        evaluator.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private sealed class RecordingSource(bool fail) : ICheckpointSource
    {
        public Address? Coordinator { get; private set; }

        public System.Collections.Concurrent.ConcurrentBag<string> Released { get; } = [];

        public Task<string> FetchAsync(EvaluateCheckpoint command, Address coordinator, CancellationToken cancellationToken)
        {
            Coordinator = coordinator;
            return fail
                ? Task.FromException<string>(new InvalidDataException("sha256 mismatch"))
                : Task.FromResult("/cache/" + command.FolderName);
        }

        public void Release(string folder) => Released.Add(folder);
    }
}
