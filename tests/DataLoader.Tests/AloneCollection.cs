namespace Orchestrator.DataLoader.Tests;

/// <summary>
/// Tests that measure the whole process (allocated bytes, meter listeners that hear every test's
/// measurements) run in this collection, after the parallel ones and one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "measured alone";
}
