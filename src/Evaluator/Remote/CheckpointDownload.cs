using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Core.Checkpoints;

namespace Orchestrator.Evaluator.Remote;

/// <summary>
/// Pulls a checkpoint from the coordinator's checkpoint service (docs/checkpoint-service.md) into a
/// local folder that <see cref="CheckpointStore.LoadFolder"/> can load. Files stream into a hidden
/// <c>.download-step-N</c> folder and are checked against the manifest's sha256 and size; only a
/// complete, verified checkpoint is renamed into place. A transfer cut off midway leaves its partial
/// files, which the next download resumes with range requests; a file whose hash does not match
/// fails the download and removes the partial folder, so no half-written checkpoint is left.
/// </summary>
public sealed partial class CheckpointDownload(HttpClient http, string token)
{
    private const string PartialPrefix = ".download-";
    private const int BufferBytes = 1 << 20;

    /// <summary>
    /// Downloads the checkpoint at <paramref name="checkpointUrl"/> (such as
    /// http://coordinator:8470/checkpoints/latest) into <paramref name="targetRoot"/>/step-N and returns
    /// that folder. A folder already there is kept if its files match the served manifest.
    /// </summary>
    public async Task<string> DownloadAsync(Uri checkpointUrl, string targetRoot, CancellationToken cancellationToken = default)
    {
        checkpointUrl = new Uri(checkpointUrl.ToString().TrimEnd('/'));
        var name = await ResolveNameAsync(checkpointUrl, cancellationToken);
        // The folder's own name from here on: "latest" may move to a newer checkpoint mid-download.
        var folderUrl = new Uri(checkpointUrl, name + "/");
        var manifestUrl = new Uri(folderUrl, CheckpointStore.ManifestFile);
        var manifestBytes = await GetBytesAsync(manifestUrl, cancellationToken);
        var manifest = ParseManifest(manifestUrl, manifestBytes);

        var target = Path.Combine(Path.GetFullPath(targetRoot), name);
        if (Directory.Exists(target))
        {
            return VerifyExisting(target, manifest);
        }

        var partial = Path.Combine(Path.GetFullPath(targetRoot), PartialPrefix + name);
        Directory.CreateDirectory(partial);
        try
        {
            foreach (var (fileName, entry) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                await FetchFileAsync(new Uri(folderUrl, Uri.EscapeDataString(fileName)), Path.Combine(partial, fileName), entry, cancellationToken);
            }

            await File.WriteAllBytesAsync(Path.Combine(partial, CheckpointStore.ManifestFile), manifestBytes, cancellationToken);
        }
        catch (CheckpointCorruptException)
        {
            Directory.Delete(partial, recursive: true);
            throw;
        }

        Directory.Move(partial, target);
        return target;
    }

    private async Task<string> ResolveNameAsync(Uri checkpointUrl, CancellationToken cancellationToken)
    {
        var bytes = await GetBytesAsync(checkpointUrl, cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var name = document.RootElement.GetProperty("name").GetString() ?? "";
            return StepFolderName().IsMatch(name)
                ? name
                : throw new InvalidDataException($"{checkpointUrl}: checkpoint name \"{name}\"; expected a step-N folder name");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{checkpointUrl}: not a checkpoint description ({e.Message}); expected JSON with a name such as step-00000100", e);
        }
    }

    private static CheckpointManifest ParseManifest(Uri url, byte[] bytes)
    {
        CheckpointManifest manifest;
        try
        {
            manifest = CheckpointManifest.FromJson(System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{url}: manifest is not valid: {e.Message}", e);
        }

        foreach (var fileName in manifest.Files.Keys)
        {
            if (fileName.Length == 0 || fileName is "." or ".." || fileName == CheckpointStore.ManifestFile
                || fileName.IndexOfAny(['/', '\\', '\0']) >= 0)
            {
                throw new InvalidDataException($"{url}: file name \"{fileName}\"; expected a plain name inside the checkpoint folder");
            }
        }

        return manifest;
    }

    private async Task<byte[]> GetBytesAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(url, null, cancellationToken);
        EnsureSuccess(url, response);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>Fetches one file, resuming a partial copy where the server allows, and checks its hash.</summary>
    private async Task FetchFileAsync(Uri url, string path, CheckpointFileEntry entry, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferBytes, useAsync: true))
        {
            if (file.Length > entry.Bytes)
            {
                file.SetLength(0);
            }

            // The bytes already here count towards the hash, so they are read once more, not fetched again.
            var buffer = new byte[BufferBytes];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            if (file.Length < entry.Bytes)
            {
                await AppendRestAsync(url, file, hash, entry, buffer, cancellationToken);
            }

            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }

        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        var length = new FileInfo(path).Length;
        if (length != entry.Bytes || !string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointCorruptException(url.ToString(),
                $"downloaded file does not match the manifest: {length} bytes with sha256 {actual}; expected {entry.Bytes} bytes with sha256 {entry.Sha256}",
                entry.Sha256, actual);
        }
    }

    private async Task AppendRestAsync(
        Uri url, FileStream file, IncrementalHash hash, CheckpointFileEntry entry, byte[] buffer, CancellationToken cancellationToken)
    {
        var have = file.Length;
        using var response = await SendAsync(url, have > 0 ? have : null, cancellationToken, $"\"{entry.Sha256}\"");
        EnsureSuccess(url, response);
        if (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != have)
        {
            // The server sent the whole file (no range support, or If-Range saw a different file): start over.
            file.SetLength(0);
            hash.GetHashAndReset();
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            hash.AppendData(buffer, 0, read);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, long? from, CancellationToken cancellationToken, string? entityTag = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (from is { } start)
        {
            request.Headers.Range = new RangeHeaderValue(start, null);
            if (entityTag is not null)
            {
                request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue(entityTag));
            }
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static void EnsureSuccess(Uri url, HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var hint = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "the service refused the bearer token; expected the token of the coordinator's checkpoint.serve",
            HttpStatusCode.NotFound => "no such checkpoint or file; expected latest, a pin label or a step-N folder the service lists (retention may have removed it)",
            _ => "expected a success status",
        };
        throw new HttpRequestException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}; {hint}", null, response.StatusCode);
    }

    private static string VerifyExisting(string target, CheckpointManifest manifest)
    {
        foreach (var (fileName, entry) in manifest.Files)
        {
            var path = Path.Combine(target, fileName);
            var actual = File.Exists(path) ? Sha256(path) : "(missing)";
            if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new CheckpointCorruptException(path,
                    $"a folder of that name is already here and does not match the served checkpoint: sha256 {actual}; expected {entry.Sha256}",
                    entry.Sha256, actual);
            }
        }

        return target;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    [GeneratedRegex("^step-[0-9]+$")]
    private static partial Regex StepFolderName();
}
