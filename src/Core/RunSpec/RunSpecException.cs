namespace Orchestrator.Core.RunSpec;

/// <summary>A run spec that cannot be used: every problem of the document, one per line.</summary>
public sealed class RunSpecException : Exception
{
    public RunSpecException(IReadOnlyList<string> errors)
        : base(string.Join('\n', errors))
    {
        Errors = errors;
    }

    /// <summary>Each problem: <c>&lt;file&gt;: &lt;key path&gt;: &lt;what is wrong&gt;, got &lt;value&gt;; expected &lt;what&gt;</c>.</summary>
    public IReadOnlyList<string> Errors { get; }
}
