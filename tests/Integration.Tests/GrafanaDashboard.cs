using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orchestrator.Integration.Tests;

/// <summary>deploy/grafana/orchestrator.json as a test reads it: its panels' PromQL queries and the metric names in them.</summary>
internal sealed partial class GrafanaDashboard
{
    // PromQL words that are not metric names (Prometheus docs, "Operators" and "Aggregation operators").
    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"];

    private GrafanaDashboard(JsonElement root) => Root = root;

    public static string DeployedPath { get; } = Path.Combine(AppContext.BaseDirectory, "deploy", "orchestrator.json");

    public JsonElement Root { get; }

    /// <summary>Each panel's title and the PromQL expressions of its queries.</summary>
    public IEnumerable<(string Title, List<string> Queries)> Panels => Root.GetProperty("panels").EnumerateArray().Select(p => (
        p.GetProperty("title").GetString()!,
        p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList()));

    public static GrafanaDashboard Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DeployedPath));
        return new GrafanaDashboard(document.RootElement.Clone());
    }

    /// <summary>
    /// The metric names a PromQL expression selects: identifiers left once label matchers ({...}), ranges
    /// ([...]), grouping clauses (by/without (...)), strings and function calls are taken out.
    /// </summary>
    public static List<string> MetricNames(string promql)
    {
        string plain = Strings().Replace(promql, " ");
        plain = Matchers().Replace(plain, " ");
        plain = Ranges().Replace(plain, " ");
        plain = Grouping().Replace(plain, " ");
        return Identifiers().Matches(plain)
            .Where(m => !plain[(m.Index + m.Length)..].TrimStart().StartsWith('(') && !Keywords.Contains(m.Value.ToLowerInvariant()))
            .Select(m => m.Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifiers();
}
