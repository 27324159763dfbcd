using Akka.Actor;
using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Evaluation;

/// <summary>Where an evaluator node gets the checkpoint an <see cref="EvaluateCheckpoint"/> names.</summary>
public interface ICheckpointSource
{
    /// <summary>A local, verified checkpoint folder for <paramref name="command"/>; <paramref name="coordinator"/> is the sender's node.</summary>
    Task<string> FetchAsync(EvaluateCheckpoint command, Address coordinator, CancellationToken cancellationToken);

    /// <summary>The evaluation of <paramref name="folder"/> is over: a copy made for it can go.</summary>
    void Release(string folder);
}
