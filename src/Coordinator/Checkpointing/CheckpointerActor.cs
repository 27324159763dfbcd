using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Core.Checkpoints;

namespace Orchestrator.Coordinator.Checkpointing;

/// <summary>
/// Writes checkpoints one at a time with <see cref="CheckpointStore"/> (temporary folder, fsync, rename,
/// `latest` pointer, retention), off the training path: workers hand over host copies and go on.
/// </summary>
public sealed class CheckpointerActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public CheckpointerActor(CheckpointStore store)
    {
        Receive<SaveCheckpoint>(command => HandleSave(store, command));
    }

    public static Props Props(CheckpointStore store) => Akka.Actor.Props.Create(() => new CheckpointerActor(store));

    private void HandleSave(CheckpointStore store, SaveCheckpoint command)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var info = store.Save(command.Content, command.Parent);
            Sender.Tell(new CheckpointSaved(command.Content.Step, info.Path, clock.Elapsed.TotalSeconds), Self);
        }
        catch (Exception e)
        {
            // Whatever the store refused (I/O, permissions, a malformed content), the coordinator must
            // hear of it: a save without an answer would keep the run waiting forever.
            _log.Error(e, "checkpoint at step {0} could not be written", command.Content.Step);
            Sender.Tell(new CheckpointFailed(command.Content.Step, $"{e.GetType().Name}: {e.Message}"), Self);
        }
    }
}
