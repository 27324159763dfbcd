using Orchestrator.Coordinator.Protocol;

namespace Orchestrator.Coordinator.Tests;

/// <summary>
/// The actor system of the actor tests: the cluster serializer bound as in a node, and Akka's serialize-messages on,
/// so that every message an actor is sent goes through its serializer and back, as if it crossed nodes.
/// </summary>
internal static class VerifiedSerialization
{
    public static string Hocon { get; } = $"""
        akka.loglevel = WARNING
        akka.actor.serialize-messages = on
        {ClusterMessageSerializer.Hocon}
        """;
}
