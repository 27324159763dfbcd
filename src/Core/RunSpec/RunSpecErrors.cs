using System.Globalization;

namespace Orchestrator.Core.RunSpec;

/// <summary>
/// The problems found in one document, collected so that a user sees all of them at once. Every
/// message reads <c>&lt;file&gt;: &lt;key path&gt;: &lt;what is wrong&gt;, got &lt;value&gt;; expected &lt;what&gt;</c>,
/// followed by the line where the binder saw the key.
/// </summary>
internal sealed class RunSpecErrors(string source, IReadOnlyDictionary<string, int> lines)
{
    private readonly List<string> _messages = [];

    public string Source => source;

    public void Add(string path, string problem, string got, string expected, int? line = null)
    {
        line ??= lines.TryGetValue(path, out var known) ? known : null;
        var where = line is { } l ? $" (line {l.ToString(CultureInfo.InvariantCulture)})" : "";
        _messages.Add($"{source}: {path}: {problem}, got {got}; expected {expected}{where}");
    }

    public void ThrowIfAny()
    {
        if (_messages.Count > 0)
        {
            throw new RunSpecException(_messages.ToArray());
        }
    }

    /// <summary>A value as it appears in a message: strings quoted, numbers in invariant culture.</summary>
    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Show)) + "]",
        _ => value.ToString() ?? "",
    };

    public static string Quote(string s) =>
        "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
