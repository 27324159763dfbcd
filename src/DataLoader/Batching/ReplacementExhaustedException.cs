namespace Orchestrator.DataLoader.Batching;

/// <summary>
/// No usable row was found for a position of a global step within the allowed attempts (the planned
/// row and its replacements): the dataset is mostly unusable under its filters, or damaged.
/// </summary>
public sealed class ReplacementExhaustedException : Exception
{
    public ReplacementExhaustedException(string message)
        : base(message)
    {
    }

    public ReplacementExhaustedException()
    {
    }

    public ReplacementExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
