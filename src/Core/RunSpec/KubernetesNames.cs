using System.Text.RegularExpressions;

namespace Orchestrator.Core.RunSpec;

/// <summary>
/// The Kubernetes names a run spec may hold for Kubernetes API discovery, and the label that ties a run's pods
/// together. The rules are Kubernetes' own (API conventions: label values, DNS-1123 labels for namespaces,
/// IANA service names for container ports, the label selector syntax of <c>kubectl get -l</c>), so that a wrong
/// value fails when the spec is read rather than as an empty pod list in the cluster.
/// </summary>
public static partial class KubernetesNames
{
    /// <summary>The label every pod of a run carries (the Helm chart sets it); its value is run.name.</summary>
    public const string RunLabel = "orchestrator/run";

    /// <summary>The pod label selector of Kubernetes API discovery: the spec's, or the run label.</summary>
    public static string PodSelector(DiscoverySection discovery, string runName)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        return discovery.PodLabelSelector.Length > 0 ? discovery.PodLabelSelector : $"{RunLabel}={runName}";
    }

    /// <summary>A label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.</summary>
    public static bool IsLabelValue(string value) => value.Length <= 63 && LabelValue().IsMatch(value);

    /// <summary>A namespace: a DNS-1123 label (at most 63 lower-case letters, digits or '-', not at either end).</summary>
    public static bool IsNamespace(string value) => value.Length <= 63 && DnsLabel().IsMatch(value);

    /// <summary>A container port name: an IANA service name (at most 15 lower-case letters, digits or single '-', one letter at least).</summary>
    public static bool IsPortName(string value) =>
        value.Length <= 15 && DnsLabel().IsMatch(value) && value.Any(char.IsAsciiLetterLower) && !value.Contains("--", StringComparison.Ordinal);

    /// <summary>
    /// A label selector: comma-separated requirements, each <c>key</c>, <c>!key</c>, <c>key=value</c>, <c>key==value</c>,
    /// <c>key!=value</c>, or <c>key in (v1, v2)</c> / <c>key notin (...)</c>; keys may carry a DNS prefix (prefix/name).
    /// </summary>
    public static bool IsLabelSelector(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        foreach (string requirement in Requirements(value))
        {
            var match = Requirement().Match(requirement);
            if (!match.Success || !IsLabelKey(match.Groups["key"].Value))
            {
                return false;
            }
            if (match.Groups["value"].Success && !IsLabelValue(match.Groups["value"].Value))
            {
                return false;
            }
            if (match.Groups["set"].Success
                && match.Groups["set"].Value.Split(',').Select(v => v.Trim()).Any(v => v.Length == 0 || !IsLabelValue(v)))
            {
                return false;
            }
        }
        return true;
    }

    // A label key: an optional DNS subdomain prefix of at most 253 characters and '/', then a name like a label value.
    private static bool IsLabelKey(string key)
    {
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        string name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            string prefix = key[..slash];
            if (prefix.Length is 0 or > 253 || !prefix.Split('.').All(IsNamespace))
            {
                return false;
            }
        }
        return name.Length > 0 && IsLabelValue(name);
    }

    // Commas inside "in (a, b)" belong to the set, not between requirements.
    private static IEnumerable<string> Requirements(string selector)
    {
        int depth = 0;
        int start = 0;
        for (int i = 0; i < selector.Length; i++)
        {
            depth += selector[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i].Trim();
                start = i + 1;
            }
        }
        yield return selector[start..].Trim();
    }

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^(!?(?<key>[^\s=!(),]+)|(?<key>[^\s=!(),]+)\s*(==|!=|=)\s*(?<value>[^\s=!(),]*)|(?<key>[^\s=!(),]+)\s+(in|notin)\s+\((?<set>[^()]*)\))$")]
    private static partial Regex Requirement();
}
