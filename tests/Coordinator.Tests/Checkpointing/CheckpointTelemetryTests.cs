using System.Diagnostics.Metrics;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Telemetry;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Checkpointing;

/// <summary>Meter listeners hear every test's measurements, so these run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CheckpointTelemetryCollection
{
    public const string Name = "checkpoint telemetry";
}

[Collection(CheckpointTelemetryCollection.Name)]
public sealed class CheckpointTelemetryTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(VerifiedSerialization.Hocon, output: output)
{
    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void One_save_records_one_checkpoint_duration()
    {
        int measurements = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == OrchestratorTelemetry.Name && instrument.Name == "orchestrator.checkpoint.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref measurements));
        listener.Start();
        var checkpointer = Sys.ActorOf(CheckpointerActor.Props(new CheckpointStore(_folder.File("checkpoints"))));

        checkpointer.Tell(new SaveCheckpoint(TestCheckpoints.Content(step: 1)), TestActor);

        ExpectMsg<CheckpointSaved>(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Volatile.Read(ref measurements));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _folder.Dispose();
        }
    }
}
