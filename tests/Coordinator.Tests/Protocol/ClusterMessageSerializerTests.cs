using Akka.Actor;
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

    private T RoundTrip<T>(T message)
        where T : notnull
    {
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)Sys);
        return (T)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }
}
