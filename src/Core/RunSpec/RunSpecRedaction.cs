using YamlDotNet.RepresentationModel;

namespace Orchestrator.Core.RunSpec;

/// <summary>
/// The copy of a run spec that may be stored and served (the run_spec of every checkpoint manifest, which the
/// checkpoint service hands to evaluators): the text as written, comments and all, with every literal secret
/// replaced by <see cref="Redacted"/>. Secrets are meant to come from files or environment variables the spec names
/// (those names stay); the one secret the spec may hold itself is a private key written as PEM (cluster.tls.key),
/// and any scalar holding a PEM private key block is redacted, wherever it stands.
/// </summary>
public static class RunSpecRedaction
{
    public const string Redacted = "[redacted]";

    private const string PrivateKeyMarker = "PRIVATE KEY-----";

    /// <summary>The text with each scalar that holds a private key replaced by "[redacted]"; still a spec that loads.</summary>
    public static string Redact(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        if (!yaml.Contains(PrivateKeyMarker, StringComparison.Ordinal))
        {
            return yaml;
        }
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var secrets = stream.Documents
            .SelectMany(d => d.AllNodes)
            .OfType<YamlScalarNode>()
            .Where(s => s.Value?.Contains(PrivateKeyMarker, StringComparison.Ordinal) == true)
            .OrderByDescending(s => s.Start.Index)
            .ToList();
        string text = yaml;
        foreach (var secret in secrets)
        {
            int start = (int)secret.Start.Index;
            int end = (int)secret.End.Index;
            // A block scalar (key: |) ends after its last line break; keep the line breaks, so the next key stays on its line.
            while (end > start && text[end - 1] is '\n' or '\r')
            {
                end--;
            }
            text = string.Concat(text.AsSpan(0, start), "\"" + Redacted + "\"", text.AsSpan(end));
        }
        return text;
    }
}
