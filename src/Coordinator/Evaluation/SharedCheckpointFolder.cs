using Akka.Actor;
using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Evaluation;

/// <summary>Checkpoints read in place from a folder this node shares with the trainers (checkpoint.dir on a shared volume).</summary>
public sealed class SharedCheckpointFolder(string root) : ICheckpointSource
{
    public Task<string> FetchAsync(EvaluateCheckpoint command, Address coordinator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        string folder = Path.Combine(root, command.FolderName);
        return Directory.Exists(folder)
            ? Task.FromResult(folder)
            : Task.FromException<string>(new DirectoryNotFoundException(
                $"checkpoint {command.FolderName} (step {command.Step}) is not in {Path.GetFullPath(root)}; expected checkpoint.dir to be " +
                "shared with the trainers, or checkpoint.serve set so that the evaluator pulls checkpoints over HTTP"));
    }

    public void Release(string folder)
    {
    }
}
