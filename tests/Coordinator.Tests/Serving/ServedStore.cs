using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Safetensors;

namespace Orchestrator.Coordinator.Tests.Serving;

/// <summary>A checkpoint store of two checkpoints in a fresh folder, served on a free loopback port.</summary>
internal sealed class ServedStore : IAsyncDisposable
{
    public const string Token = "test-token-5f1c";

    private readonly TemporaryFolder _folder;

    private ServedStore(CheckpointStore store, CheckpointService service, TemporaryFolder folder)
    {
        Store = store;
        Service = service;
        _folder = folder;
        Client = new HttpClient { BaseAddress = service.Address };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public CheckpointStore Store { get; }

    public CheckpointService Service { get; }

    /// <summary>A client that sends the right token.</summary>
    public HttpClient Client { get; }

    /// <summary>The folder that holds the store's directory (and anything a test puts beside it).</summary>
    public string Root => _folder.Path;

    public static async Task<ServedStore> StartAsync()
    {
        var folder = new TemporaryFolder();
        var store = new CheckpointStore(Path.Combine(folder.Path, "checkpoints"), keepLast: 5);
        store.Save(Content(1));
        store.Save(Content(2));
        var service = await CheckpointService.StartAsync(store, "127.0.0.1", 0, Token);
        return new ServedStore(store, service, folder);
    }

    /// <summary>A checkpoint whose files are a few kilobytes of distinct bytes, so that ranges have something to cut.</summary>
    public static CheckpointContent Content(long step) => new()
    {
        Step = step,
        WorldSize = 1,
        RunName = "served",
        RunSpec = "run: { name: served }\n",
        Metrics = new Dictionary<string, double> { ["loss"] = 0.5 / step },
        Files = new Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>>
        {
            ["model.safetensors"] = [new("weight", SafeTensor.FromFloats(Enumerable.Range(0, 1000).Select(i => i * 0.5f + step).ToArray(), 1000))],
            ["ema.safetensors"] = [new("weight", SafeTensor.FromFloats(Enumerable.Range(0, 500).Select(i => i * 0.25f - step).ToArray(), 500))],
        },
    };

    public string FilePath(long step, string file) => Path.Combine(Store.Directory, CheckpointStore.FolderName(step), file);

    /// <summary>
    /// Sends one request with the request target exactly as given (HttpClient would normalise dot
    /// segments and escapes) and returns the status code and body.
    /// </summary>
    public async Task<(int Status, string Body)> RawGetAsync(string target)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Service.Address.Host, Service.Address.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {Service.Address.Authority}\r\nAuthorization: Bearer {Token}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var response = await reader.ReadToEndAsync();
        var statusLine = response[..response.IndexOf("\r\n", StringComparison.Ordinal)];
        return (int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), response);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Service.DisposeAsync();
        _folder.Dispose();
    }
}
