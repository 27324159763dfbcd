namespace Orchestrator.Core.RunSpec;

/// <summary>Folders a run spec implies, defined once for every command that needs them.</summary>
public static class RunSpecPaths
{
    /// <summary>checkpoint.dir, or &lt;run.output_dir&gt;/checkpoints when it is empty.</summary>
    public static string CheckpointDirectory(this RunSpec spec) =>
        spec.Checkpoint.Dir.Length > 0 ? spec.Checkpoint.Dir : Path.Combine(spec.Run.OutputDir, "checkpoints");

    /// <summary>Folder of the per-checkpoint sample grids: &lt;run.output_dir&gt;/samples.</summary>
    public static string SamplesDirectory(this RunSpec spec) => Path.Combine(spec.Run.OutputDir, "samples");

    /// <summary>eval.reference_cache, or &lt;run.output_dir&gt;/reference-statistics when it is empty.</summary>
    public static string ReferenceCacheDirectory(this RunSpec spec) =>
        spec.Eval.ReferenceCache.Length > 0 ? spec.Eval.ReferenceCache : Path.Combine(spec.Run.OutputDir, "reference-statistics");
}
