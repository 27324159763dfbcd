using System.Globalization;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// The real Prometheus (Debian's package) on 127.0.0.1 with a free port and a temporary storage folder,
/// scraping targets of the test's with deploy/prometheus/prometheus.yml's job and a short interval.
/// Disposing ends the process by its id.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    // The scrape configuration users get: copied beside the test assembly (Integration.Tests.csproj).
    public static readonly string DeployedConfig = Path.Combine(AppContext.BaseDirectory, "deploy", "prometheus.yml");

    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _folder;
    private readonly RoleProcess _process;
    private readonly HttpClient _http;

    private PrometheusServer(TemporaryFolder folder, RoleProcess process, Uri address)
    {
        _folder = folder;
        _process = process;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Output => _process.Output;

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (host:port) every second and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<string> targets)
    {
        string program = InstalledProgram.Find("prometheus", "prometheus");
        int port = RoleProcess.FreePort();
        var folder = new TemporaryFolder();
        string config = folder.File("prometheus.yml");
        await File.WriteAllTextAsync(config, DeriveConfig(await File.ReadAllTextAsync(DeployedConfig), targets));
        var process = RoleProcess.StartProgram("prometheus", program, folder.Path,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={folder.File("data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--log.level=warn",
        ]);
        var server = new PrometheusServer(folder, process, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await server.WaitUntilReadyAsync();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>
    /// The deployed configuration with the test's targets as its only static config and a 1 s scrape
    /// interval; everything else (job, metrics path) as users get it.
    /// </summary>
    public static string DeriveConfig(string deployed, IEnumerable<string> targets)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(deployed));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var global = (YamlMappingNode)root["global"];
        global.Children[new YamlScalarNode("scrape_interval")] = new YamlScalarNode("1s");
        global.Children[new YamlScalarNode("scrape_timeout")] = new YamlScalarNode("1s");
        var job = (YamlMappingNode)((YamlSequenceNode)root["scrape_configs"]).Children.Single();
        job.Children[new YamlScalarNode("static_configs")] = new YamlSequenceNode(
            new YamlMappingNode(new YamlScalarNode("targets"), new YamlSequenceNode(targets.Select(t => new YamlScalarNode(t)))));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        yaml.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>The label sets of every series whose name matches <paramref name="nameRegex"/> that has samples since <paramref name="since"/>.</summary>
    public async Task<List<Dictionary<string, string>>> SeriesAsync(string nameRegex, DateTimeOffset since)
    {
        string match = Uri.EscapeDataString($"{{__name__=~\"{nameRegex}\"}}");
        string start = since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var document = await GetAsync($"api/v1/series?match[]={match}&start={start}");
        return document.RootElement.GetProperty("data").EnumerateArray()
            .Select(s => s.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!))
            .ToList();
    }

    /// <summary>An instant PromQL query's vector: each result's labels and value.</summary>
    public async Task<List<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        using var document = await GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}");
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => (
                r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToList();
    }

    private async Task<JsonDocument> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"prometheus: GET /{path}: {(int)response.StatusCode} {body}");
        var document = JsonDocument.Parse(body);
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document;
    }

    // Polls /-/ready: Prometheus is a separate process, there is no event to wait on in this one.
    private async Task WaitUntilReadyAsync()
    {
        using var limit = new CancellationTokenSource(ReadyLimit);
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri("-/ready", UriKind.Relative), limit.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                break;
            }
            if (limit.IsCancellationRequested)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }
        throw new TimeoutException($"prometheus was not ready within {ReadyLimit.TotalSeconds} s; its output:\n{_process.Output}");
    }

    public void Dispose()
    {
        _http.Dispose();
        _process.Dispose();
        _folder.Dispose();
    }
}
