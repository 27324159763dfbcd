namespace Orchestrator.Trainer.Reduction;

/// <summary>How the bytes of one ring connection travel.</summary>
public enum RingTransport
{
    /// <summary>Through the TCP connection itself.</summary>
    Tcp,

    /// <summary>
    /// Through a byte ring in shared memory, both ends being on the same host; the TCP connection stays open
    /// as the wake-up and liveness channel (docs/allreduce.md, "Same-host connections: shared memory").
    /// </summary>
    SharedMemory,
}
