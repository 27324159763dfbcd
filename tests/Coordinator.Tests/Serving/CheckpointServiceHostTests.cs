using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Serving;

public sealed class CheckpointServiceHostTests
{
    [Fact]
    public async Task A_host_with_the_service_serves_while_it_runs_and_stops_with_it()
    {
        using var folder = new TemporaryFolder();
        var store = new CheckpointStore(folder.File("checkpoints"));
        store.Save(ServedStore.Content(4));
        await File.WriteAllTextAsync(folder.File("token"), "host-token\n");
        var serve = new CheckpointServeSection { Port = 0, TokenFile = folder.File("token") };
        Uri? announced = null;
        var builder = Host.CreateApplicationBuilder([]);
        builder.Services.AddHostedService(_ => new CheckpointServiceHost(store, serve, address => announced = address));
        using var host = builder.Build();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "host-token");

        await host.StartAsync();
        var listed = await http.GetStringAsync(new Uri(announced!, "/checkpoints/latest"));
        await host.StopAsync();

        Assert.Contains("\"name\": \"step-00000004\"", listed);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(announced!, "/checkpoints")));
    }

    [Fact]
    public async Task A_missing_token_file_fails_the_host_start_naming_the_key()
    {
        using var folder = new TemporaryFolder();
        var serve = new CheckpointServeSection { Port = 0, TokenFile = folder.File("absent") };
        await using var service = new CheckpointServiceHost(new CheckpointStore(folder.File("checkpoints")), serve);

        var error = await Assert.ThrowsAsync<RunSpecException>(() => service.StartAsync(CancellationToken.None));

        Assert.Contains("checkpoint.serve.token_file", error.Message);
        Assert.Null(service.Address);
    }
}
