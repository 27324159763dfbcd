using System.Runtime.Serialization;
using Akka.Actor;
using Orchestrator.Core.Protocol;
using Orchestrator.Trainer.Worker;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Protocol;

/// <summary>The actor tests' system checks every message against its serializer, as a node boundary would.</summary>
public sealed class SerializationVerificationTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(VerifiedSerialization.Hocon, output: output)
{
    [Fact]
    public void A_cluster_message_the_serializer_does_not_know_fails_when_sent_even_within_one_process()
    {
        var target = CreateTestProbe("target");

        EventFilter.Exception<SerializationException>().ExpectOne(() => target.Ref.Tell(new UnknownClusterMessage(7)));

        target.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_cluster_message_arrives_as_a_copy_that_went_through_the_cluster_serializer()
    {
        var target = CreateTestProbe("target");
        var sent = new StepCompleted(3, 1, new Trainer.Replica.StepOutcome(5, 0.25, 8, 4, 1.5, 0.1, 0.2, 0.3), ["shard-0/row-1"]);

        target.Ref.Tell(sent);

        var received = target.ExpectMsg<StepCompleted>();
        Assert.NotSame(sent, received);
        Assert.NotSame(sent.Keys, received.Keys);
        Assert.Equal(sent.Outcome, received.Outcome);
        Assert.Equal(sent.Keys, received.Keys);
    }

    private sealed record UnknownClusterMessage(int Value) : IClusterMessage;
}
