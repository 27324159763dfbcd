using System.Text.Json;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Safetensors;

namespace Orchestrator.Core.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Root => _folder.File("checkpoints");

    [Fact]
    public void Saved_checkpoint_loads_back_with_manifest_and_tensors()
    {
        var store = new CheckpointStore(Root, keepLast: 3);

        var info = store.Save(Content(7, metrics: new Dictionary<string, double> { ["loss"] = 0.125, ["fid"] = double.NaN }));
        var loaded = store.LoadLatest();

        Assert.Equal("step-00000007", info.Name);
        Assert.Equal(Path.Combine(Path.GetFullPath(Root), "step-00000007"), loaded.Path);
        Assert.Equal("step-00000007", loaded.Name);
        var manifest = loaded.Manifest;
        Assert.Equal(1, manifest.FormatVersion);
        Assert.Equal("test-run", manifest.RunName);
        Assert.Equal(7, manifest.Step);
        Assert.Equal(2, manifest.Epoch);
        Assert.Equal(7 * 32, manifest.SamplesSeen);
        Assert.Equal(4, manifest.WorldSize);
        Assert.Equal(1234, manifest.Seed);
        Assert.Equal("run: { name: test-run }\n", manifest.RunSpec);
        Assert.True(DateTimeOffset.UtcNow - manifest.CreatedUtc < TimeSpan.FromMinutes(5));
        Assert.Equal(0.125, manifest.Metrics["loss"]);
        Assert.True(double.IsNaN(manifest.Metrics["fid"]));
        Assert.Equal(["ema.safetensors", "model.safetensors"], manifest.Files.Keys.Order());
        Assert.Equal(64, manifest.Files["model.safetensors"].Sha256.Length);
        Assert.Equal(new FileInfo(Path.Combine(loaded.Path, "model.safetensors")).Length, manifest.Files["model.safetensors"].Bytes);
        Assert.Equal([7f, 1f, 2f, 3f], loaded["model.safetensors"]["conv.weight"].ToFloats());
        Assert.Equal([7L], loaded["model.safetensors"]["step"].ToLongs());
        Assert.Equal([-7f], loaded["ema.safetensors"]["conv.weight"].ToFloats());
    }

    [Fact]
    public void Manifest_is_snake_case_json()
    {
        var store = new CheckpointStore(Root);
        var info = store.Save(Content(3));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(info.Path, "manifest.json")));
        var root = json.RootElement;

        Assert.Equal(
            ["format_version", "run_name", "step", "epoch", "samples_seen", "world_size", "seed", "run_spec", "created_utc", "files", "metrics"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("format_version").GetInt32());
        var model = root.GetProperty("files").GetProperty("model.safetensors");
        Assert.Equal(["sha256", "bytes"], model.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Flipped_byte_is_detected_by_its_hash()
    {
        var store = new CheckpointStore(Root);
        var info = store.Save(Content(1));
        var model = Path.Combine(info.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[^2] ^= 0x01;
        File.WriteAllBytes(model, bytes);

        var e = Assert.Throws<CheckpointCorruptException>(() => store.Load(info.Name));

        Assert.Equal(model, e.FilePath);
        Assert.Equal(info.Manifest!.Files["model.safetensors"].Sha256, e.ExpectedSha256);
        Assert.NotNull(e.ActualSha256);
        Assert.NotEqual(e.ExpectedSha256, e.ActualSha256);
        Assert.StartsWith($"{model}: file is damaged", e.Message);
        Assert.Contains(e.ExpectedSha256!, e.Message);
        Assert.Contains(e.ActualSha256!, e.Message);
    }

    [Fact]
    public void Missing_file_is_named_with_its_expected_hash()
    {
        var store = new CheckpointStore(Root);
        var info = store.Save(Content(1));
        var ema = Path.Combine(info.Path, "ema.safetensors");
        File.Delete(ema);

        var e = Assert.Throws<CheckpointCorruptException>(() => store.Load(info.Name));

        Assert.Equal(ema, e.FilePath);
        Assert.Null(e.ActualSha256);
        Assert.Equal($"{ema}: file is missing; expected sha256 {info.Manifest!.Files["ema.safetensors"].Sha256}", e.Message);
    }

    [Fact]
    public void Damaged_manifest_is_named()
    {
        var store = new CheckpointStore(Root);
        var info = store.Save(Content(1));
        var manifest = Path.Combine(info.Path, "manifest.json");
        File.WriteAllText(manifest, "{ \"format_version\": ");

        var e = Assert.Throws<CheckpointCorruptException>(() => store.Load(info.Name));

        Assert.Equal(manifest, e.FilePath);
        Assert.Contains("manifest is not valid", e.Message);
    }

    [Fact]
    public void Latest_falls_back_to_the_previous_good_checkpoint()
    {
        var store = new CheckpointStore(Root, keepLast: 5);
        store.Save(Content(1));
        store.Save(Content(2));
        var newest = store.Save(Content(3));
        var model = Path.Combine(newest.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(model, bytes);
        var warnings = new List<string>();

        var loaded = store.LoadLatest(warnings.Add);

        Assert.Equal(2, loaded.Manifest.Step);
        var warning = Assert.Single(warnings);
        Assert.StartsWith("checkpoint step-00000003 cannot be used: ", warning);
        Assert.Contains($"{model}: file is damaged", warning);
    }

    [Fact]
    public void Latest_naming_a_missing_folder_falls_back()
    {
        var store = new CheckpointStore(Root);
        store.Save(Content(1));
        var second = store.Save(Content(2));
        Directory.Delete(second.Path, recursive: true);
        var warnings = new List<string>();

        Assert.Equal(1, store.LoadLatest(warnings.Add).Manifest.Step);
        Assert.Contains("checkpoint folder is missing", Assert.Single(warnings));
    }

    [Fact]
    public void No_verifiable_checkpoint_is_an_error_naming_the_directory()
    {
        var store = new CheckpointStore(Root);
        var info = store.Save(Content(1));
        File.Delete(Path.Combine(info.Path, "model.safetensors"));

        var e = Assert.Throws<CheckpointNotFoundException>(() => store.LoadLatest());

        Assert.Equal(Path.GetFullPath(Root), e.Directory);
        Assert.StartsWith($"{Path.GetFullPath(Root)}: no checkpoint verifies:", e.Message);
        Assert.Contains("step-00000001", e.Message);
    }

    [Fact]
    public void Empty_directory_has_no_latest_checkpoint()
    {
        var store = new CheckpointStore(Root);

        Assert.Null(store.TryLoadLatest());
        var e = Assert.Throws<CheckpointNotFoundException>(() => store.LoadLatest());
        Assert.Equal($"{Path.GetFullPath(Root)}: no checkpoint to load", e.Message);
        Assert.Empty(store.List());
    }

    [Fact]
    public void Latest_pointer_names_the_newest_step()
    {
        var store = new CheckpointStore(Root, keepLast: 10);
        store.Save(Content(1));
        store.Save(Content(20));
        store.Save(Content(300));

        Assert.Equal("step-00000300\n", File.ReadAllText(Path.Combine(Root, "latest")));
        Assert.Equal(["step-00000001", "step-00000020", "step-00000300"], store.List().Select(c => c.Name));
        Assert.Equal([false, false, true], store.List().Select(c => c.IsLatest));
        Assert.Equal(300, store.Load("latest").Manifest.Step);
    }

    [Fact]
    public void Retention_keeps_the_last_k_and_the_pinned()
    {
        var store = new CheckpointStore(Root, keepLast: 2);
        store.Save(Content(1));
        store.Save(Content(2));
        store.Pin("best", "step-00000002");
        store.Save(Content(3));
        store.Save(Content(4));
        store.Save(Content(5));

        Assert.Equal(["step-00000002", "step-00000004", "step-00000005"], store.List().Select(c => c.Name));
        Assert.Equal(["best"], store.List()[0].Pins);
        Assert.Equal(2, store.Load("best").Manifest.Step);

        store.Unpin("best");
        store.Save(Content(6));

        Assert.Equal(["step-00000005", "step-00000006"], store.List().Select(c => c.Name));
    }

    [Fact]
    public void Stale_temporary_folder_is_ignored_and_removed_by_the_next_save()
    {
        var store = new CheckpointStore(Root);
        store.Save(Content(1));
        var stale = Path.Combine(Root, ".tmp-step-00000002-0badf00d");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "model.safetensors"), "half written");
        var staleLatest = Path.Combine(Root, ".tmp-latest-0badf00d");
        File.WriteAllText(staleLatest, "step-00000002\n");

        Assert.Equal(["step-00000001"], store.List().Select(c => c.Name));
        Assert.Equal(1, store.LoadLatest().Manifest.Step);

        store.Save(Content(3));

        Assert.False(Directory.Exists(stale));
        Assert.False(File.Exists(staleLatest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root, ".tmp-*"));
    }

    [Fact]
    public void Saving_a_step_again_replaces_it()
    {
        var store = new CheckpointStore(Root);
        store.Save(Content(4));

        store.Save(Content(4, metrics: new Dictionary<string, double> { ["loss"] = 0.5 }));

        Assert.Equal(0.5, store.LoadLatest().Manifest.Metrics["loss"]);
        Assert.Single(store.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root, ".tmp-*"));
    }

    [Fact]
    public void References_resolve_to_folders()
    {
        var store = new CheckpointStore(Root);
        var first = store.Save(Content(1));
        var second = store.Save(Content(2));
        store.Pin("best", first.Name);

        Assert.Equal(second.Path, store.Resolve("latest"));
        Assert.Equal(first.Path, store.Resolve("best"));
        Assert.Equal(first.Path, store.Resolve("step-00000001"));
        Assert.Equal(first.Path, store.Resolve(first.Path));
        Assert.Equal(2, CheckpointStore.LoadFolder(second.Path).Manifest.Step);
        var e = Assert.Throws<CheckpointNotFoundException>(() => store.Resolve("step-00000009"));
        Assert.Contains("no checkpoint \"step-00000009\"", e.Message);
        Assert.Throws<CheckpointNotFoundException>(() => store.Pin("best", "step-00000009"));
        Assert.Throws<ArgumentException>(() => store.Pin("../x", first.Name));
    }

    [Fact]
    public void Folder_names_are_zero_padded_so_they_sort_by_step()
    {
        Assert.Equal("step-00000042", CheckpointStore.FolderName(42));
        Assert.Equal("step-123456789", CheckpointStore.FolderName(123456789));
    }

    [Theory]
    [InlineData("../model.safetensors")]
    [InlineData("model.bin")]
    [InlineData("manifest.json")]
    public void Save_rejects_file_names_outside_the_format(string fileName)
    {
        var store = new CheckpointStore(Root);
        var content = new CheckpointContent
        {
            Step = 1,
            Files = new Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> { [fileName] = [] },
        };

        Assert.Throws<ArgumentException>(() => store.Save(content));
        Assert.Empty(store.List());
    }

    private static CheckpointContent Content(long step, Dictionary<string, double>? metrics = null) => new()
    {
        Step = step,
        Epoch = 2,
        SamplesSeen = step * 32,
        WorldSize = 4,
        Seed = 1234,
        RunName = "test-run",
        RunSpec = "run: { name: test-run }\n",
        Metrics = metrics ?? new Dictionary<string, double> { ["loss"] = 1.0 / (step + 1) },
        Files = new Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>>
        {
            ["model.safetensors"] =
            [
                new("conv.weight", SafeTensor.FromFloats([step, 1f, 2f, 3f], 2, 2)),
                new("step", SafeTensor.FromLongs([step])),
            ],
            ["ema.safetensors"] = [new("conv.weight", SafeTensor.FromFloats([-step]))],
        },
    };
}
