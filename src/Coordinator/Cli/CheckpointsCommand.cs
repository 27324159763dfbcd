using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orchestrator checkpoints list [--config run.yaml | --dir DIR]`: the checkpoints of a run, verified.</summary>
public static class CheckpointsCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "config", "dir" };

    public static int List(CommandLine command)
    {
        string dir = command.Value("dir") ?? DefaultDirectory(command.Value("config"));
        var store = new CheckpointStore(dir, keepLast: int.MaxValue);
        var checkpoints = store.List();
        if (checkpoints.Count == 0)
        {
            System.Console.WriteLine($"{dir}: no checkpoints");
            return 0;
        }
        foreach (var info in checkpoints)
        {
            string state;
            try
            {
                CheckpointStore.LoadFolder(info.Path);
                state = "ok";
            }
            catch (CheckpointCorruptException e)
            {
                state = $"DAMAGED: {e.Message}";
            }
            System.Console.WriteLine($"{info.Path}  step {info.Step}  {state}");
        }
        return 0;
    }

    private static string DefaultDirectory(string? config)
    {
        var (spec, _, _) = SpecSource.Load(config);
        return spec.CheckpointDirectory();
    }
}
