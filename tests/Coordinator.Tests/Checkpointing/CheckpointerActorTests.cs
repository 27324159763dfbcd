using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Safetensors;
using Xunit.Abstractions;

namespace Orchestrator.Coordinator.Tests.Checkpointing;

public sealed class CheckpointerActorTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(VerifiedSerialization.Hocon, output: output)
{
    private static readonly TimeSpan SaveTimeout = TimeSpan.FromSeconds(10);
    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void A_save_writes_a_checkpoint_folder_and_answers_with_it()
    {
        string root = _folder.File("checkpoints");
        var checkpointer = Sys.ActorOf(CheckpointerActor.Props(new CheckpointStore(root)));

        checkpointer.Tell(new SaveCheckpoint(TestCheckpoints.Content(step: 3, value: 5f)), TestActor);

        var saved = ExpectMsg<CheckpointSaved>(SaveTimeout);
        Assert.Equal(3, saved.Step);
        Assert.Equal(Path.Combine(root, "step-00000003"), saved.Directory);
        Assert.True(saved.Seconds >= 0);
        var loaded = CheckpointStore.LoadFolder(saved.Directory);
        Assert.Equal(3, loaded.Manifest.Step);
        Assert.Equal(2, loaded.Manifest.WorldSize);
        Assert.Equal(24, loaded.Manifest.SamplesSeen);
        Assert.Equal("run: { name: tests }\n", loaded.Manifest.RunSpec);
        Assert.Equal(saved.Directory, new CheckpointStore(root).LoadLatest().Path);
    }

    [Fact]
    public void A_store_under_a_regular_file_answers_that_the_checkpoint_failed()
    {
        string blocker = _folder.File("not-a-folder");
        File.WriteAllText(blocker, "a file where the checkpoint directory should go");
        var checkpointer = Sys.ActorOf(CheckpointerActor.Props(new CheckpointStore(Path.Combine(blocker, "checkpoints"))));

        checkpointer.Tell(new SaveCheckpoint(TestCheckpoints.Content(step: 1)), TestActor);

        var failed = ExpectMsg<CheckpointFailed>(SaveTimeout);
        Assert.Equal(1, failed.Step);
        Assert.Contains("not-a-folder", failed.Reason, StringComparison.Ordinal);
        Assert.Equal("a file where the checkpoint directory should go", File.ReadAllText(blocker));
    }

    [Fact]
    public void A_failed_save_leaves_the_earlier_checkpoints_as_they_were()
    {
        string root = _folder.File("checkpoints");
        var store = new CheckpointStore(root);
        var checkpointer = Sys.ActorOf(CheckpointerActor.Props(store));
        checkpointer.Tell(new SaveCheckpoint(TestCheckpoints.Content(step: 1, value: 7f)), TestActor);
        var earlier = ExpectMsg<CheckpointSaved>(SaveTimeout);
        // A regular file where step 2's folder must go: its rename into place fails.
        File.WriteAllText(Path.Combine(root, CheckpointStore.FolderName(2)), "in the way");

        checkpointer.Tell(new SaveCheckpoint(TestCheckpoints.Content(step: 2, value: 9f)), TestActor);

        var failed = ExpectMsg<CheckpointFailed>(SaveTimeout);
        Assert.Equal(2, failed.Step);
        Assert.NotEmpty(failed.Reason);
        var latest = store.LoadLatest();
        Assert.Equal(earlier.Directory, latest.Path);
        Assert.Equal(new[] { 7f, 8f }, latest["model.safetensors"]["weight"].ToFloats());
        Assert.Equal(["step-00000001"], store.List().Select(c => c.Name));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(root), e => Path.GetFileName(e).StartsWith(".tmp-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_save_that_the_store_refuses_answers_that_the_checkpoint_failed()
    {
        var checkpointer = Sys.ActorOf(CheckpointerActor.Props(new CheckpointStore(_folder.File("checkpoints"))));
        var content = TestCheckpoints.Content(step: 4);
        var misnamed = new CheckpointContent
        {
            Step = content.Step,
            Files = new Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> { ["weights.bin"] = content.Files["model.safetensors"] },
        };

        checkpointer.Tell(new SaveCheckpoint(misnamed), TestActor);

        var failed = ExpectMsg<CheckpointFailed>(SaveTimeout);
        Assert.Equal(4, failed.Step);
        Assert.Contains("weights.bin", failed.Reason, StringComparison.Ordinal);
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
