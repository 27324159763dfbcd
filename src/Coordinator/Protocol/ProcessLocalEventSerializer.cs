using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace Orchestrator.Coordinator.Protocol;

/// <summary>
/// Bound only while Akka's serialize-messages check is on (the tests, docs/cluster.md "Serialization checks"): passes
/// Akka.Cluster's ReachabilityChanged (an internal type of Akka.Cluster, named here by its type name) through by reference. The cluster's event publisher
/// hands that event to subscribers in its own process only (the Split Brain Resolver among them), but Akka does not
/// mark it as exempt from the check and the default serializer cannot write it, so under the check it was dropped and
/// the resolver decided partitions without it. A reference is right because the event never leaves its process; one
/// that did would fail here, naming it.
/// </summary>
internal sealed class ProcessLocalEventSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <summary>Akka's serializer id of this serializer (ids below 100 are Akka's own).</summary>
    public const int Id = 7302;

    private const string ReachabilityChanged = "Akka.Cluster.ClusterEvent+ReachabilityChanged, Akka.Cluster";

    private static readonly ConcurrentDictionary<long, object> InFlight = new();
    private static long s_next;

    /// <summary>The binding, for the HOCON of a process that runs with serialize-messages on.</summary>
    public static string Hocon { get; } = $$"""
        akka.actor.serializers.process-local = "{{typeof(ProcessLocalEventSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{ReachabilityChanged}}" = process-local }
        akka.actor.serialization-identifiers { "{{typeof(ProcessLocalEventSerializer).AssemblyQualifiedName}}" = {{Id}} }
        """;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        long key = Interlocked.Increment(ref s_next);
        InFlight[key] = obj;
        var bytes = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, key);
        return bytes;
    }

    public override object FromBinary(byte[] bytes, Type type) =>
        bytes.Length == sizeof(long) && InFlight.TryRemove(BinaryPrimitives.ReadInt64LittleEndian(bytes), out var obj)
            ? obj
            : throw new SerializationException($"{type?.Name ?? "a process-local event"} came from another process; it is meant to stay in its own");
}
