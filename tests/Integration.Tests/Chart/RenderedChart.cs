using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>
/// The chart rendered for one set of values: its manifests as text, and each object read into the Kubernetes
/// client's typed models in strict mode (an unknown field or a wrong type fails, naming the file), so that the
/// tests can check what the objects say about each other.
/// </summary>
internal sealed class RenderedChart
{
    public const string Release = "run1";
    public const string Namespace = "ml";

    private RenderedChart(JsonObject values, IReadOnlyList<RenderedTemplate> templates, IReadOnlyList<(string File, string Yaml, object Object)> objects)
    {
        Values = values;
        Templates = templates;
        Objects = objects;
    }

    public static string ChartDirectory => Path.Combine(AppContext.BaseDirectory, "helm", "orchestrator");

    /// <summary>values.yaml, or values.yaml with an example file merged over it, as helm install -f does.</summary>
    public static JsonObject ValuesOf(string? example)
    {
        var defaults = ChartValues.Load(Path.Combine(ChartDirectory, "values.yaml"));
        return example is null ? defaults : ChartValues.Merge(defaults, ChartValues.Load(Path.Combine(ChartDirectory, "examples", example)));
    }

    public JsonObject Values { get; }

    public IReadOnlyList<RenderedTemplate> Templates { get; }

    /// <summary>Every object: its template file, its YAML document and its typed model (or the document as a JSON tree for kinds the client does not model).</summary>
    public IReadOnlyList<(string File, string Yaml, object Object)> Objects { get; }

    /// <summary>Every document, separated as Helm separates templates.</summary>
    public string Manifests => ManifestsOf(_ => true);

    public string ManifestsOf(Func<object, bool> which) =>
        string.Join("", Objects.Where(o => which(o.Object)).Select(o => $"---\n# Source: orchestrator/templates/{o.File}\n{o.Yaml}\n"));

    public static RenderedChart Render(JsonObject values)
    {
        var templates = ChartRenderer.Render(ChartDirectory, values, Release, Namespace);
        var objects = new List<(string, string, object)>();
        foreach (var template in templates)
        {
            foreach (string document in template.Text.Split("\n---", StringSplitOptions.TrimEntries))
            {
                if (document.Split('\n').All(line => line.TrimStart().Length == 0 || line.TrimStart().StartsWith('#')))
                {
                    continue;
                }
                objects.Add((template.Name, document, Typed(template.Name, document)));
            }
        }
        return new RenderedChart(values, templates, objects);
    }

    public IEnumerable<T> All<T>() => Objects.Select(o => o.Object).OfType<T>();

    public T Single<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(All<T>(), o => o.Metadata.Name == name);

    /// <summary>The run spec of the ConfigMap, read and validated by the orchestrator's own loader.</summary>
    public Core.RunSpec.RunSpec RunSpec() =>
        RunSpecLoader.Parse(Single<V1ConfigMap>($"{Release}-spec").Data["run.yaml"], "ConfigMap run1-spec, run.yaml");

    // The Prometheus Operator's ServiceMonitor is not in the client's models: its document is kept as a JSON tree.
    private static object Typed(string file, string document)
    {
        try
        {
            return document.Contains("apiVersion: monitoring.coreos.com/", StringComparison.Ordinal)
                ? ChartValues.Parse(document, file)
                : Assert.Single(KubernetesYaml.LoadAllFromString(document, typeMap: null, strict: true));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidDataException($"{file}: the rendered object is not a valid Kubernetes object: {e.Message}\n{document}", e);
        }
    }
}
