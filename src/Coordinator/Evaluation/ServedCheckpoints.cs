using Akka.Actor;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Evaluator.Remote;

namespace Orchestrator.Coordinator.Evaluation;

/// <summary>
/// Checkpoints pulled from the coordinator's checkpoint service (docs/checkpoint-service.md) into a local cache
/// folder, hashes verified, and deleted after their evaluation. The service is at <c>baseUrl</c> when given,
/// else on the coordinator's host at checkpoint.serve.port.
/// </summary>
public sealed class ServedCheckpoints : ICheckpointSource
{
    private readonly CheckpointDownload _download;
    private readonly Uri? _baseUrl;
    private readonly int _port;
    private readonly string _cache;

    /// <param name="http">The client (no timeout: checkpoints can be large).</param>
    /// <param name="token">The service's bearer token.</param>
    /// <param name="baseUrl">The service's address (such as http://coordinator:8470/), or null for the coordinator's host at <paramref name="port"/>.</param>
    /// <param name="port">checkpoint.serve.port.</param>
    /// <param name="cache">Where downloads go.</param>
    public ServedCheckpoints(HttpClient http, string token, Uri? baseUrl, int port, string cache)
    {
        if (baseUrl is null && port == 0)
        {
            throw new ArgumentException(
                "checkpoint.serve.port is 0 (a free port the coordinator picks): an evaluator node cannot guess it; " +
                "give the evaluator --checkpoints-url with the address the coordinator printed", nameof(port));
        }
        _download = new CheckpointDownload(http, token);
        // A relative path resolves against the base's last segment only when the base ends in a slash.
        _baseUrl = baseUrl is null || baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _port = port;
        _cache = cache;
    }

    /// <summary>The service address for a coordinator on <paramref name="coordinator"/>.</summary>
    public Uri ServiceUrl(Address coordinator)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        return _baseUrl ?? new UriBuilder(Uri.UriSchemeHttp, coordinator.Host ?? "localhost", _port).Uri;
    }

    public Task<string> FetchAsync(EvaluateCheckpoint command, Address coordinator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var url = new Uri(ServiceUrl(coordinator), $"checkpoints/{Uri.EscapeDataString(command.FolderName)}");
        return _download.DownloadAsync(url, _cache, cancellationToken);
    }

    public void Release(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
