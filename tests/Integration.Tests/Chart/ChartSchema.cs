using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>The chart's values.schema.json, evaluated the way Helm does at install: every failure with the value's path.</summary>
internal sealed class ChartSchema
{
    private readonly JsonSchema _schema;

    public ChartSchema(string path)
    {
        _schema = JsonSchema.FromText(File.ReadAllText(path));
    }

    /// <summary>"at '/trainer/replicas': ..." for each failing value; empty when the values are valid.</summary>
    public IReadOnlyList<string> Problems(JsonObject values)
    {
        var results = _schema.Evaluate(JsonSerializer.SerializeToElement(values), new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        return [.. Failures(results).Distinct()];
    }

    // A failed node's own keyword errors, then its failed subschemas'. A "not" subschema that fails is the keyword
    // passing, and so is a failed anyOf branch beside one that passed: neither is reported. JsonSchema.Net gives a
    // failed "not" no message of its own, so one is written here.
    private static IEnumerable<string> Failures(EvaluationResults node)
    {
        if (node.IsValid)
        {
            yield break;
        }
        var details = node.Details ?? [];
        var passedAnyOf = details.Where(d => d.IsValid && Keyword(d, 1) == "anyOf").Select(d => Parent(d)).ToHashSet();
        var failed = details
            .Where(d => !d.IsValid && Keyword(d, 0) != "not" && !(Keyword(d, 1) == "anyOf" && passedAnyOf.Contains(Parent(d))))
            .ToList();
        foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
        {
            yield return $"at '{node.InstanceLocation}': {keyword}: {message}";
        }
        foreach (var not in details.Where(d => d.IsValid && Keyword(d, 0) == "not"))
        {
            yield return $"at '{node.InstanceLocation}': not: the value matches the schema it must not match ({not.EvaluationPath})";
        }
        foreach (string failure in failed.SelectMany(Failures))
        {
            yield return failure;
        }
    }

    // The evaluation path's segment this far from its end: "not" in .../limits/$ref/not, "anyOf" in .../anyOf/1.
    private static string? Keyword(EvaluationResults node, int fromEnd)
    {
        string[] segments = node.EvaluationPath.ToString().Split('/');
        return segments.Length > fromEnd ? segments[^(fromEnd + 1)] : null;
    }

    private static string Parent(EvaluationResults node)
    {
        string path = node.EvaluationPath.ToString();
        return path[..path.LastIndexOf('/')];
    }
}
