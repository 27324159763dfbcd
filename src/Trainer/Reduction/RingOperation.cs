namespace Orchestrator.Trainer.Reduction;

/// <summary>The collectives of <see cref="IAllReduce"/>; the code travels in each Begin frame so a mismatch is caught.</summary>
internal enum RingOperation
{
    SumInt64 = 1,
    SumFloat32 = 2,
    MaxFloat32 = 3,
}
