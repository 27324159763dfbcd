using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Orchestrator.Coordinator.Run;
using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Tests.Serving;

/// <summary>The run page on the checkpoint service's server: the page without the token, its JSON only with it.</summary>
public sealed class RunPageTests : IAsyncLifetime
{
    private const string RunName = "page-run-7c2";

    private readonly TemporaryFolder _folder = new();
    private readonly RunStatus _status = new(RunName);
    private CheckpointService _service = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var store = new CheckpointStore(_folder.File("checkpoints"), keepLast: 5);
        store.Save(ServedStore.Content(1));
        store.Save(ServedStore.Content(2));
        string grid = _folder.File("step-2.png");
        await File.WriteAllBytesAsync(grid, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        _status.Started(totalSteps: 10);
        _status.GroupFormed(generation: 1, worldSize: 2, step: 0);
        _status.Stepped(new RunStatus.StepPoint(1, 0.75, 12.5, [0.5, 0.25], DateTimeOffset.UtcNow));
        _status.Stepped(new RunStatus.StepPoint(2, 0.5, 13.5, [0.4, 0.9], DateTimeOffset.UtcNow));
        _status.Evaluated(new EvaluationCompleted(2, grid, new Dictionary<string, double> { ["frechet-resnet18"] = 41.5, ["clip_score"] = 22.25 },
            "frechet-resnet18", "resnet18-imagenet-onnx-224px", "local"));
        var page = new RunPage(_status, store, () => [new RunMember("akka.tcp://orchestrator@127.0.0.1:4053", ["coordinator", "trainer"], "Up", true)]);
        _service = await CheckpointService.StartAsync(store, "127.0.0.1", 0, ServedStore.Token, page, CancellationToken.None);
        _client = new HttpClient { BaseAddress = _service.Address };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _service.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task The_page_opens_without_the_token_and_holds_no_run_data()
    {
        using var response = await _client.GetAsync("/run");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("/run/api/", html, StringComparison.Ordinal);
        Assert.DoesNotContain(RunName, html, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/run/api/status")]
    [InlineData("/run/api/series")]
    [InlineData("/run/api/checkpoints")]
    [InlineData("/run/api/grid.png")]
    [InlineData("/run/")]
    public async Task Everything_but_the_page_needs_the_token(string path)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task Status_gives_state_step_per_rank_times_members_and_the_newest_grid()
    {
        using var status = await GetJsonAsync("/run/api/status");
        var root = status.RootElement;

        Assert.Equal(RunName, root.GetProperty("run").GetString());
        Assert.Equal("training", root.GetProperty("state").GetString());
        Assert.Equal((2, 10, 2), (root.GetProperty("step").GetInt64(), root.GetProperty("total_steps").GetInt64(), root.GetProperty("world_size").GetInt32()));
        Assert.Equal(0.5, root.GetProperty("loss").GetDouble());
        Assert.Equal([0.4, 0.9], root.GetProperty("step_seconds_by_rank").EnumerateArray().Select(e => e.GetDouble()));
        var member = Assert.Single(root.GetProperty("members").EnumerateArray().ToList());
        Assert.Equal(["coordinator", "trainer"], member.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(2, root.GetProperty("newest_grid").GetProperty("step").GetInt64());
        Assert.Contains(root.GetProperty("events").EnumerateArray(), e => e.GetProperty("text").GetString()!.Contains("generation 1", StringComparison.Ordinal));

        _status.Failed("rank 1 failed at step 3: out of memory");
        using var failed = await GetJsonAsync("/run/api/status");
        Assert.Equal("failed", failed.RootElement.GetProperty("state").GetString());
        Assert.Contains("out of memory", failed.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Series_and_checkpoints_carry_losses_evaluations_and_each_checkpoints_metrics()
    {
        using var series = await GetJsonAsync("/run/api/series");
        Assert.Equal([0.75, 0.5], series.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("loss").GetDouble()));
        var evaluation = Assert.Single(series.RootElement.GetProperty("evaluations").EnumerateArray().ToList());
        Assert.Equal(22.25, evaluation.GetProperty("metrics").GetProperty("clip_score").GetDouble());

        using var checkpoints = await GetJsonAsync("/run/api/checkpoints");
        var listed = checkpoints.RootElement.GetProperty("checkpoints").EnumerateArray().ToList();
        Assert.Equal(["step-00000001", "step-00000002"], listed.Select(c => c.GetProperty("name").GetString()));
        // The manifest's loss, and the evaluation's metrics of the same step.
        var second = listed[1].GetProperty("metrics");
        Assert.Equal((0.25, 41.5), (second.GetProperty("loss").GetDouble(), second.GetProperty("frechet-resnet18").GetDouble()));
        Assert.False(listed[0].GetProperty("metrics").TryGetProperty("clip_score", out _));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/run/api/grid.png");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServedStore.Token);
        using var grid = await _client.SendAsync(request);
        Assert.Equal("image/png", grid.Content.Headers.ContentType!.MediaType);
        Assert.Equal(7, (await grid.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public void Long_series_are_thinned_for_the_page_keeping_the_newest_step()
    {
        var status = new RunStatus("long");
        for (long step = 1; step <= 2500; step++)
        {
            status.Stepped(new RunStatus.StepPoint(step, 1.0 / step, 1, [0.1], DateTimeOffset.UtcNow));
        }

        var read = status.Read();

        Assert.True(read.Steps.Count <= RunStatus.MaxSeriesPoints + 1, $"{read.Steps.Count} points");
        Assert.Equal((1, 2500), (read.Steps[0].Step, read.Steps[^1].Step));
        Assert.Equal(2500, read.Step);
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServedStore.Token);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
