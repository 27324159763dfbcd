using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Orchestrator.Core.Checkpoints;

namespace Orchestrator.Coordinator.Tests.Serving;

public sealed class CheckpointServiceTests : IAsyncLifetime
{
    private ServedStore _served = null!;

    public async Task InitializeAsync() => _served = await ServedStore.StartAsync();

    public async Task DisposeAsync() => await _served.DisposeAsync();

    [Fact]
    public async Task Request_without_a_token_gets_401_with_a_bearer_challenge()
    {
        using var client = new HttpClient { BaseAddress = _served.Service.Address };

        using var response = await client.GetAsync("/checkpoints");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.DoesNotContain("invalid_token", challenge.Parameter);
    }

    [Theory]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer test-token-5f1")]
    [InlineData("Bearer test-token-5f1cX")]
    [InlineData("Basic dGVzdC10b2tlbi01ZjFj")]
    public async Task Request_with_a_wrong_token_gets_401_invalid_token(string authorization)
    {
        using var client = new HttpClient { BaseAddress = _served.Service.Address };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        using var response = await client.GetAsync($"/checkpoints/step-00000001/model.safetensors");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task List_gives_each_checkpoint_with_file_sizes_hashes_and_metrics()
    {
        using var document = JsonDocument.Parse(await _served.Client.GetStringAsync("/checkpoints"));

        var checkpoints = document.RootElement.GetProperty("checkpoints").EnumerateArray().ToArray();
        Assert.Equal(["step-00000001", "step-00000002"], checkpoints.Select(c => c.GetProperty("name").GetString()));
        var second = checkpoints[1];
        Assert.Equal(2, second.GetProperty("step").GetInt64());
        Assert.True(second.GetProperty("is_latest").GetBoolean());
        Assert.Equal(0.25, second.GetProperty("metrics").GetProperty("loss").GetDouble());
        var manifest = _served.Store.List()[1].Manifest!;
        var files = second.GetProperty("files").EnumerateArray().ToArray();
        Assert.Equal(["ema.safetensors", "model.safetensors"], files.Select(f => f.GetProperty("name").GetString()));
        foreach (var file in files)
        {
            var entry = manifest.Files[file.GetProperty("name").GetString()!];
            Assert.Equal(entry.Sha256, file.GetProperty("sha256").GetString());
            Assert.Equal(entry.Bytes, file.GetProperty("bytes").GetInt64());
            Assert.Equal(new FileInfo(_served.FilePath(2, file.GetProperty("name").GetString()!)).Length, entry.Bytes);
        }
    }

    [Theory]
    [InlineData("latest", "step-00000002")]
    [InlineData("best", "step-00000001")]
    [InlineData("step-00000001", "step-00000001")]
    public async Task A_checkpoint_is_named_by_latest_a_pin_label_or_its_folder(string reference, string expected)
    {
        _served.Store.Pin("best", "step-00000001");

        using var document = JsonDocument.Parse(await _served.Client.GetStringAsync($"/checkpoints/{reference}"));

        Assert.Equal(expected, document.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_file_comes_whole_with_its_manifest_hash_as_entity_tag()
    {
        using var response = await _served.Client.GetAsync("/checkpoints/latest/model.safetensors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(_served.FilePath(2, "model.safetensors")), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{_served.Store.List()[1].Manifest!.Files["model.safetensors"].Sha256}\"", response.Headers.ETag?.Tag);
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
    }

    [Theory]
    [InlineData(0L, 9L)] // the first bytes
    [InlineData(1000L, 1999L)] // the middle
    [InlineData(null, 5L)] // a suffix: the last 5 bytes
    public async Task A_range_request_gets_206_with_exactly_those_bytes(long? from, long to)
    {
        var whole = await File.ReadAllBytesAsync(_served.FilePath(2, "model.safetensors"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/checkpoints/step-00000002/model.safetensors");
        request.Headers.Range = from is null ? new RangeHeaderValue(null, to) : new RangeHeaderValue(from, to);

        using var response = await _served.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        var (first, last) = from is null ? (whole.Length - to, whole.Length - 1L) : (from.Value, to);
        var range = response.Content.Headers.ContentRange!;
        Assert.Equal((first, last, (long)whole.Length), (range.From!.Value, range.To!.Value, range.Length!.Value));
        Assert.Equal(whole[(int)first..(int)(last + 1)], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_range_beyond_the_end_gets_416_with_the_file_length()
    {
        long length = new FileInfo(_served.FilePath(2, "model.safetensors")).Length;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/checkpoints/step-00000002/model.safetensors");
        request.Headers.Range = new RangeHeaderValue(length, null);

        using var response = await _served.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal(length, response.Content.Headers.ContentRange?.Length);
        Assert.False(response.Content.Headers.ContentRange?.HasRange);
    }

    [Fact]
    public async Task Head_gives_length_and_entity_tag_without_a_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/checkpoints/step-00000001/ema.safetensors");

        using var response = await _served.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new FileInfo(_served.FilePath(1, "ema.safetensors")).Length, response.Content.Headers.ContentLength);
        Assert.NotNull(response.Headers.ETag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_service_is_read_only()
    {
        using var content = new ByteArrayContent([1, 2, 3]);

        using var response = await _served.Client.PutAsync("/checkpoints/step-00000001/model.safetensors", content);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Manifest_is_served_as_written()
    {
        var served = await _served.Client.GetStringAsync($"/checkpoints/step-00000001/{CheckpointStore.ManifestFile}");

        Assert.Equal(await File.ReadAllTextAsync(_served.FilePath(1, CheckpointStore.ManifestFile)), served);
    }
}
