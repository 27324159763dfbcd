using System.Runtime.Serialization;
using Orchestrator.Coordinator.Protocol;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Protocol;

/// <summary>Under the serialization check, Akka.Cluster's process-local ReachabilityChanged reaches its subscribers as itself.</summary>
public sealed class ProcessLocalEventSerializerTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(VerifiedSerialization.Hocon + "\n" + ProcessLocalEventSerializer.Hocon, output: output)
{
    [Fact]
    public void Reachability_changes_are_bound_to_the_serializer_that_passes_them_through_by_reference()
    {
        var type = Type.GetType("Akka.Cluster.ClusterEvent+ReachabilityChanged, Akka.Cluster", throwOnError: true)!;
        var serializer = Sys.Serialization.FindSerializerForType(type);
        var someEvent = new object();

        Assert.IsType<ProcessLocalEventSerializer>(serializer);
        Assert.Same(someEvent, serializer.FromBinary(serializer.ToBinary(someEvent), type));
    }

    [Fact]
    public void Bytes_that_name_no_event_of_this_process_are_refused()
    {
        var serializer = Sys.Serialization.FindSerializerForType(Type.GetType("Akka.Cluster.ClusterEvent+ReachabilityChanged, Akka.Cluster", throwOnError: true)!);

        var error = Assert.Throws<SerializationException>(object? () => serializer.FromBinary(new byte[8], typeof(object)));

        Assert.Contains("came from another process", error.Message, StringComparison.Ordinal);
    }
}
