using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Evaluator.Remote;

namespace Orchestrator.Evaluator.Tests.Remote;

/// <summary>The download's own decisions, against an in-memory server whose answers a test chooses.</summary>
public sealed class CheckpointDownloadTests : IDisposable
{
    private static readonly Uri Latest = new("http://coordinator.test:8470/checkpoints/latest");

    private readonly TemporaryFolder _folder = new();
    private readonly byte[] _model = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_server_that_ignores_ranges_sends_the_whole_file_and_the_partial_copy_is_replaced()
    {
        var server = new InMemoryServer(Manifest(("model.safetensors", _model)), ("model.safetensors", _model)) { HonoursRanges = false };
        WritePartial("model.safetensors", _model[..1200]);
        using var http = new HttpClient(server);

        var folder = await new CheckpointDownload(http, "t").DownloadAsync(Latest, _folder.Path);

        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors")));
        Assert.Contains("bytes=1200-", server.Ranges);
    }

    [Fact]
    public async Task A_partial_copy_with_wrong_bytes_fails_the_hash_and_is_removed_so_that_the_next_try_starts_clean()
    {
        var server = new InMemoryServer(Manifest(("model.safetensors", _model)), ("model.safetensors", _model));
        WritePartial("model.safetensors", new byte[1200]);
        using var http = new HttpClient(server);
        var download = new CheckpointDownload(http, "t");

        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(() => download.DownloadAsync(Latest, _folder.Path));
        var folder = await download.DownloadAsync(Latest, _folder.Path);

        Assert.Contains("http://coordinator.test:8470/checkpoints/step-00000003/model.safetensors", error.Message);
        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors")));
    }

    [Theory]
    [InlineData("../escape.safetensors")]
    [InlineData("/etc/escape.safetensors")]
    [InlineData("..")]
    [InlineData("manifest.json")]
    public async Task A_manifest_naming_a_file_outside_the_folder_is_refused(string fileName)
    {
        var server = new InMemoryServer(Manifest((fileName, _model)));
        using var http = new HttpClient(server);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new CheckpointDownload(http, "t").DownloadAsync(Latest, _folder.Path));

        Assert.Contains($"file name \"{fileName}\"; expected a plain name inside the checkpoint folder", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [Fact]
    public async Task A_description_that_names_no_step_folder_is_refused()
    {
        var server = new InMemoryServer(Manifest()) { Name = "../../etc" };
        using var http = new HttpClient(server);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new CheckpointDownload(http, "t").DownloadAsync(Latest, _folder.Path));

        Assert.Contains("checkpoint name \"../../etc\"; expected a step-N folder name", error.Message);
    }

    private void WritePartial(string fileName, byte[] bytes)
    {
        var partial = Path.Combine(_folder.Path, ".download-step-00000003");
        Directory.CreateDirectory(partial);
        File.WriteAllBytes(Path.Combine(partial, fileName), bytes);
    }

    private static string Manifest(params (string Name, byte[] Bytes)[] files) => new CheckpointManifest
    {
        Step = 3,
        Files = files.ToDictionary(f => f.Name, f => new CheckpointFileEntry(Convert.ToHexStringLower(SHA256.HashData(f.Bytes)), f.Bytes.Length)),
    }.ToJson();

    /// <summary>Answers /checkpoints/latest, /checkpoints/step-00000003/manifest.json and its files, with or without ranges.</summary>
    private sealed class InMemoryServer(string manifest, params (string Name, byte[] Bytes)[] files) : HttpMessageHandler
    {
        public bool HonoursRanges { get; init; } = true;

        public string Name { get; init; } = "step-00000003";

        public List<string> Ranges { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (request.Headers.Range is { } range)
            {
                Ranges.Add(range.ToString());
            }

            if (path == "/checkpoints/latest")
            {
                return Answer(HttpStatusCode.OK, Encoding.UTF8.GetBytes($"{{\"name\": \"{Name}\"}}"));
            }

            if (path == "/checkpoints/step-00000003/manifest.json")
            {
                return Answer(HttpStatusCode.OK, Encoding.UTF8.GetBytes(manifest));
            }

            var file = files.FirstOrDefault(f => path == "/checkpoints/step-00000003/" + f.Name);
            if (file.Bytes is null)
            {
                return Answer(HttpStatusCode.NotFound, []);
            }

            if (HonoursRanges && request.Headers.Range?.Ranges.Single().From is { } from)
            {
                var partial = Answer(HttpStatusCode.PartialContent, file.Bytes[(int)from..]);
                partial.Result.Content.Headers.ContentRange = new ContentRangeHeaderValue(from, file.Bytes.Length - 1, file.Bytes.Length);
                return partial;
            }

            return Answer(HttpStatusCode.OK, file.Bytes);
        }

        private static Task<HttpResponseMessage> Answer(HttpStatusCode status, byte[] body) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new ByteArrayContent(body) });
    }
}
