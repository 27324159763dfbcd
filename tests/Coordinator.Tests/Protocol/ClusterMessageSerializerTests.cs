using Akka.Actor;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Coordinator.Protocol;
using Orchestrator.Core.Protocol;
using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Tests.Protocol;

/// <summary>The cluster serializer knows every cluster message, and the evaluation messages survive the trip.</summary>
public sealed class ClusterMessageSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void Every_cluster_message_type_of_the_product_is_known()
    {
        var assemblies = new[]
        {
            typeof(ClusterMessageSerializer).Assembly, typeof(EvaluateCheckpoint).Assembly,
            typeof(Trainer.Worker.RunStep).Assembly, typeof(IClusterMessage).Assembly,
        };
        var messages = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToList();

        var unknown = messages.Except(ClusterMessageSerializer.KnownTypes).Select(t => t.FullName).ToList();

        Assert.Contains(typeof(RegisterEvaluator), messages);
        Assert.Empty(unknown);
    }

    [Fact]
    public void Evaluation_messages_round_trip()
    {
        var probe = CreateTestProbe("evaluator-node");
        var completed = new EvaluationCompleted(
            12, "/runs/x/samples/step-00000012.png", new Dictionary<string, double> { ["fid"] = 31.5, ["clip_score"] = 24.25 },
            "fid", "inception-v3-fid-299px-wabcdef12", "akka.tcp://orchestrator@10.0.0.7:4055");

        var back = RoundTrip(completed);
        Assert.Equal(completed.Step, back.Step);
        Assert.Equal(completed.GridPath, back.GridPath);
        Assert.Equal(completed.Metrics, back.Metrics);
        Assert.Equal(completed.FrechetMetric, back.FrechetMetric);
        Assert.Equal(completed.Extractor, back.Extractor);
        Assert.Equal(completed.Evaluator, back.Evaluator);
        Assert.Equal(31.5, back.FrechetDistance);
        Assert.Equal(probe.Ref, RoundTrip(new RegisterEvaluator(probe.Ref)).Evaluator);
        Assert.Equal("run-a", RoundTrip(new EvaluatorAccepted("run-a")).RunName);
        var evaluate = RoundTrip(new EvaluateCheckpoint("/shared/checkpoints/step-00000012", 12, "00-abc-def-01"));
        Assert.Equal("step-00000012", evaluate.FolderName);
    }

    [Fact]
    public void The_nccl_unique_id_of_a_generation_round_trips_in_form_group()
    {
        var node = CreateTestProbe("node").Ref;
        var id = Enumerable.Range(0, 128).Select(i => (byte)(255 - i)).ToArray();
        var form = new FormGroup(7, [new GroupNode(node, "10.0.0.5:7001", 0, 2)], 40, 0, null, id);

        var back = RoundTrip(form);

        Assert.Equal(id, back.NcclId);
        Assert.Equal(7, back.Generation);
        Assert.Equal(node, Assert.Single(back.Nodes).Node);
        Assert.Null(RoundTrip(form with { NcclId = null }).NcclId);
        Assert.Equal(id, RoundTrip(new NcclIdIssued(7, id)).UniqueId);
        Assert.Equal(7, RoundTrip(new IssueNcclId(7)).Generation);
        Assert.True(RoundTrip(new RegisterTrainerNode(node, [node], "10.0.0.5:7001", Nccl: true)).Nccl);
        Assert.False(RoundTrip(new RegisterTrainerNode(node, [node], "10.0.0.5:7001")).Nccl);
    }

    [Fact]
    public void A_form_group_whose_unique_id_runs_past_the_message_is_refused()
    {
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)Sys);
        var form = new FormGroup(7, [], 40, 0, null, new byte[128]);
        var bytes = serializer.ToBinary(form);

        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(
            () => serializer.FromBinary(bytes[..^1], serializer.Manifest(form)));

        Assert.Contains("a byte field of 128 bytes", e.Message, StringComparison.Ordinal);
    }

    private T RoundTrip<T>(T message)
        where T : notnull
    {
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)Sys);
        return (T)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }
}
