using System.Net;
using System.Security.Cryptography;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Evaluator.Remote;

namespace Orchestrator.Coordinator.Tests.Serving;

public sealed class CheckpointDownloadTests : IAsyncLifetime
{
    private ServedStore _served = null!;
    private string _target = null!;

    public async Task InitializeAsync()
    {
        _served = await ServedStore.StartAsync();
        _target = Path.Combine(_served.Root, "pulled");
    }

    public async Task DisposeAsync() => await _served.DisposeAsync();

    [Fact]
    public async Task Download_of_a_served_checkpoint_equals_the_original_byte_for_byte()
    {
        using var http = new HttpClient();

        var folder = await new CheckpointDownload(http, ServedStore.Token).DownloadAsync(Url("latest"), _target);

        Assert.Equal(Path.Combine(_target, "step-00000002"), folder);
        var original = Path.GetDirectoryName(_served.FilePath(2, "x"))!;
        var names = Directory.GetFiles(original).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(names, Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToArray());
        foreach (var name in names)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(original, name!)), await File.ReadAllBytesAsync(Path.Combine(folder, name!)));
        }

        Assert.Equal(2, CheckpointStore.LoadFolder(folder).Manifest.Step);
        Assert.Equal(["step-00000002"], Directory.GetDirectories(_target).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_file_damaged_on_the_server_fails_the_download_naming_file_and_hashes_and_leaves_no_folder()
    {
        var model = _served.FilePath(2, "model.safetensors");
        var bytes = await File.ReadAllBytesAsync(model);
        bytes[^3] ^= 0xFF;
        await File.WriteAllBytesAsync(model, bytes);
        var expected = _served.Store.List()[1].Manifest!.Files["model.safetensors"].Sha256;
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(
            () => new CheckpointDownload(http, ServedStore.Token).DownloadAsync(Url("step-00000002"), _target));

        Assert.Contains("step-00000002/model.safetensors", error.Message);
        Assert.Contains($"sha256 {actual}", error.Message);
        Assert.Contains($"expected {bytes.Length} bytes with sha256 {expected}", error.Message);
        Assert.Equal((expected, actual), (error.ExpectedSha256, error.ActualSha256));
        Assert.Empty(Directory.GetFileSystemEntries(_target));
    }

    [Fact]
    public async Task A_partial_file_is_resumed_with_a_range_request()
    {
        var original = await File.ReadAllBytesAsync(_served.FilePath(2, "model.safetensors"));
        var partial = Path.Combine(_target, ".download-step-00000002");
        Directory.CreateDirectory(partial);
        await File.WriteAllBytesAsync(Path.Combine(partial, "model.safetensors"), original[..1000]);
        var recorder = new RangeRecorder();
        using var http = new HttpClient(recorder);

        var folder = await new CheckpointDownload(http, ServedStore.Token).DownloadAsync(Url("latest"), _target);

        Assert.Contains("model.safetensors bytes=1000-", recorder.Ranges);
        Assert.Equal(original, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors")));
        Assert.False(Directory.Exists(partial));
    }

    [Fact]
    public async Task A_wrong_token_fails_with_the_status_and_what_was_expected()
    {
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => new CheckpointDownload(http, "not-the-token").DownloadAsync(Url("latest"), _target));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("HTTP 401", error.Message);
        Assert.Contains("bearer token", error.Message);
        Assert.False(Directory.Exists(_target));
    }

    [Fact]
    public async Task An_unknown_checkpoint_fails_with_404_and_the_url()
    {
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => new CheckpointDownload(http, ServedStore.Token).DownloadAsync(Url("step-00000042"), _target));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("/checkpoints/step-00000042", error.Message);
    }

    [Fact]
    public async Task A_folder_already_downloaded_is_kept_when_it_matches_and_refused_when_it_differs()
    {
        using var http = new HttpClient();
        var download = new CheckpointDownload(http, ServedStore.Token);
        var folder = await download.DownloadAsync(Url("latest"), _target);

        Assert.Equal(folder, await download.DownloadAsync(Url("latest"), _target));

        await File.WriteAllBytesAsync(Path.Combine(folder, "ema.safetensors"), [1, 2, 3]);
        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(() => download.DownloadAsync(Url("latest"), _target));
        Assert.Contains("ema.safetensors", error.Message);
        Assert.Contains("does not match the served checkpoint", error.Message);
    }

    private Uri Url(string reference) => new(_served.Service.Address, $"/checkpoints/{reference}");

    /// <summary>Records the Range header of each request: "file bytes=N-".</summary>
    private sealed class RangeRecorder() : DelegatingHandler(new HttpClientHandler())
    {
        public List<string> Ranges { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.Range is { } range)
            {
                Ranges.Add($"{request.RequestUri!.Segments[^1]} {range}");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
