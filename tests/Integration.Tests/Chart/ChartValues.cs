using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>
/// Values files as Helm reads them: YAML to a JSON tree (what values.schema.json is evaluated against), and the
/// merge of a user's file over the chart's values.yaml (maps merge key by key, anything else is replaced, and a
/// null removes the key).
/// </summary>
internal static partial class ChartValues
{
    public static JsonObject Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>One YAML mapping as a JSON tree; <paramref name="path"/> names it in errors.</summary>
    public static JsonObject Parse(string yaml, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{path}: line {e.Start.Line}: not valid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException($"{path}: not one YAML mapping");
        }
        return (JsonObject)Convert(root, path, "")!;
    }

    /// <summary>A copy of <paramref name="defaults"/> with <paramref name="overrides"/> merged over it, as Helm's -f does.</summary>
    public static JsonObject Merge(JsonObject defaults, JsonObject overrides)
    {
        var merged = (JsonObject)defaults.DeepClone();
        MergeInto(merged, overrides);
        return merged;
    }

    private static void MergeInto(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject map && target[key] is JsonObject existing)
            {
                MergeInto(existing, map);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private static JsonNode? Convert(YamlNode node, string path, string at) => node switch
    {
        YamlMappingNode map => ConvertMap(map, path, at),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select((item, i) => Convert(item, path, $"{at}[{i}]"))]),
        YamlScalarNode scalar => ConvertScalar(scalar, path, at),
        _ => throw new InvalidDataException($"{path}: line {node.Start.Line}: {at}: aliases are outside what the chart's values may use"),
    };

    private static JsonObject ConvertMap(YamlMappingNode map, string path, string at)
    {
        var result = new JsonObject();
        foreach (var (keyNode, value) in map.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value
                ?? throw new InvalidDataException($"{path}: line {keyNode.Start.Line}: {at}: a key that is not a plain name");
            if (result.ContainsKey(key))
            {
                throw new InvalidDataException($"{path}: line {keyNode.Start.Line}: {at}.{key}: the key appears twice");
            }
            result[key] = Convert(value, path, at.Length == 0 ? key : $"{at}.{key}");
        }
        return result;
    }

    // YAML 1.2 core schema types for plain scalars. Helm reads values with a YAML 1.1 parser, where yes/no/on/off
    // are booleans too: such a value would mean one thing to Helm and another here, so it is refused.
    private static JsonNode? ConvertScalar(YamlScalarNode scalar, string path, string at)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }
        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(text.Equals("true", StringComparison.OrdinalIgnoreCase));
        }
        if (Yaml11Boolean().IsMatch(text))
        {
            throw new InvalidDataException(
                $"{path}: line {scalar.Start.Line}: {at}: '{text}' is a boolean to Helm's YAML 1.1 parser and a string to YAML 1.2: quote it, or write true or false");
        }
        if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return JsonValue.Create(integer);
        }
        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            return JsonValue.Create(number);
        }
        return JsonValue.Create(text);
    }

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")]
    private static partial Regex Yaml11Boolean();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
