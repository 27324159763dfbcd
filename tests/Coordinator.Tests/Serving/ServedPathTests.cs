using Orchestrator.Core.Checkpoints;

namespace Orchestrator.Coordinator.Tests.Serving;

/// <summary>No request reaches a file outside a complete checkpoint folder; each way of trying is a case.</summary>
public sealed class ServedPathTests : IAsyncLifetime
{
    private const string Secret = "TOP-SECRET-CONTENT";

    private ServedStore _served = null!;

    public async Task InitializeAsync()
    {
        _served = await ServedStore.StartAsync();
        // Beside the store's directory: two levels up from a checkpoint folder.
        await File.WriteAllTextAsync(Path.Combine(_served.Root, "secret.txt"), Secret);
    }

    public async Task DisposeAsync() => await _served.DisposeAsync();

    [Theory]
    [InlineData("/checkpoints/step-00000001/../../secret.txt")]
    [InlineData("/checkpoints/step-00000001/%2e%2e/%2e%2e/secret.txt")]
    [InlineData("/checkpoints/step-00000001/%2E%2E%2F%2E%2E%2Fsecret.txt")]
    [InlineData("/checkpoints/step-00000001/..%2F..%2Fsecret.txt")]
    [InlineData("/checkpoints/step-00000001/..%5C..%5Csecret.txt")]
    [InlineData("/checkpoints/..%2Fsecret.txt/manifest.json")]
    [InlineData("/checkpoints/%2e%2e/secret.txt")]
    public async Task Dot_segments_plain_or_encoded_do_not_leave_the_checkpoint(string target) =>
        await AssertRefusedAsync(target);

    [Fact]
    public async Task An_absolute_path_as_file_name_is_refused()
    {
        var absolute = Uri.EscapeDataString(Path.Combine(_served.Root, "secret.txt"));

        await AssertRefusedAsync($"/checkpoints/step-00000001/{absolute}");
    }

    [Fact]
    public async Task An_absolute_path_to_a_checkpoint_of_another_store_is_refused()
    {
        var other = new CheckpointStore(Path.Combine(_served.Root, "other"));
        var saved = other.Save(ServedStore.Content(7));

        await AssertRefusedAsync($"/checkpoints/{Uri.EscapeDataString(saved.Path)}/model.safetensors");
        await AssertRefusedAsync($"/checkpoints/{Uri.EscapeDataString(saved.Path)}");
    }

    [Fact]
    public async Task A_symlink_in_a_checkpoint_pointing_outside_is_not_followed()
    {
        var model = _served.FilePath(2, "model.safetensors");
        File.Delete(model);
        File.CreateSymbolicLink(model, Path.Combine(_served.Root, "secret.txt"));

        await AssertRefusedAsync("/checkpoints/step-00000002/model.safetensors");
    }

    [Fact]
    public async Task A_checkpoint_folder_that_is_a_symlink_to_elsewhere_is_not_served()
    {
        var elsewhere = new CheckpointStore(Path.Combine(_served.Root, "elsewhere")).Save(ServedStore.Content(9));
        Directory.CreateSymbolicLink(Path.Combine(_served.Store.Directory, "step-00000009"), elsewhere.Path);

        await AssertRefusedAsync("/checkpoints/step-00000009/model.safetensors");
        Assert.DoesNotContain("step-00000009", await _served.Client.GetStringAsync("/checkpoints"));
    }

    [Fact]
    public async Task The_temporary_folder_of_a_save_in_progress_is_not_served()
    {
        var temporary = Path.Combine(_served.Store.Directory, ".tmp-step-00000003-0a1b2c3d");
        Directory.CreateDirectory(temporary);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(_served.FilePath(1, "x"))!))
        {
            File.Copy(file, Path.Combine(temporary, Path.GetFileName(file)));
        }

        await AssertRefusedAsync("/checkpoints/.tmp-step-00000003-0a1b2c3d/model.safetensors");
        await AssertRefusedAsync("/checkpoints/.tmp-step-00000003-0a1b2c3d");
    }

    [Fact]
    public async Task A_file_the_manifest_does_not_list_is_not_served()
    {
        await File.WriteAllTextAsync(_served.FilePath(1, "notes.txt"), Secret);

        await AssertRefusedAsync("/checkpoints/step-00000001/notes.txt");
    }

    [Fact]
    public async Task The_store_pointer_files_are_not_served()
    {
        await AssertRefusedAsync("/checkpoints/latest/latest");
        await AssertRefusedAsync("/latest");
    }

    private async Task AssertRefusedAsync(string target)
    {
        var (status, body) = await _served.RawGetAsync(target);

        Assert.True(status is 400 or 404, $"{target}: HTTP {status}; expected 400 or 404\n{body}");
        Assert.DoesNotContain(Secret, body);
        Assert.DoesNotContain("safetensors", body.Split("\r\n\r\n", 2)[^1]);
    }
}
