using Orchestrator.Core.RunSpec;

namespace Orchestrator.Core.Tests.RunSpec;

public sealed class RunSpecPathsTests
{
    [Fact]
    public void Checkpoints_go_under_the_output_dir_unless_checkpoint_dir_is_set()
    {
        var spec = new Core.RunSpec.RunSpec { Run = new RunSection { OutputDir = "runs/a" } };
        Assert.Equal(Path.Combine("runs/a", "checkpoints"), spec.CheckpointDirectory());
        Assert.Equal(Path.Combine("runs/a", "samples"), spec.SamplesDirectory());

        var elsewhere = spec with { Checkpoint = new CheckpointSection { Dir = "/mnt/ckpt" } };
        Assert.Equal("/mnt/ckpt", elsewhere.CheckpointDirectory());
    }
}
