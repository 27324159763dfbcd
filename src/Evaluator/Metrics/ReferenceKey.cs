using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Evaluator.Metrics;

/// <summary>What reference statistics depend on: the data, the feature extractor and the image resolution.</summary>
/// <param name="Data">Fingerprint of the data (see <see cref="Fingerprint"/>).</param>
/// <param name="Extractor">The extractor's <c>Name</c>.</param>
/// <param name="Resolution">Side length the real images are decoded to before feature extraction.</param>
public sealed record ReferenceKey(string Data, string Extractor, int Resolution)
{
    /// <summary>
    /// A fingerprint of data files from their full paths, sizes and modification times (not their contents: the
    /// validation shards can be gigabytes, and a rewritten shard changes its size or time). Order-independent.
    /// </summary>
    public static string Fingerprint(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var lines = new List<string>();
        foreach (string file in files)
        {
            var info = new FileInfo(file);
            if (!info.Exists)
                throw new FileNotFoundException($"Reference data file '{file}' does not exist; expected a validation shard.", file);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{info.FullName}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}"));
        }
        if (lines.Count == 0)
            throw new ArgumentException("No reference data files; expected at least one validation shard.", nameof(files));
        lines.Sort(StringComparer.Ordinal);
        return Hash(string.Join('\n', lines));
    }

    /// <summary>The cache file name: a hash of all three parts, so that any change misses.</summary>
    public string FileName => $"reference-{Hash(string.Create(CultureInfo.InvariantCulture, $"{Data}\n{Extractor}\n{Resolution}"))[..24]}.fstat";

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
