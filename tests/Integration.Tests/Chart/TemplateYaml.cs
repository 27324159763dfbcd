using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>
/// Helm's <c>toYaml</c> for the renderer: block YAML with map keys sorted (Helm goes through JSON, whose maps are
/// sorted), no trailing newline, numbers as JSON writes them, and a string left plain only where no YAML parser
/// (1.1 or 1.2) could read it as anything but that string; any other string is double-quoted.
/// </summary>
internal static partial class TemplateYaml
{
    public static string Write(JsonNode? value)
    {
        var text = new StringBuilder();
        switch (value)
        {
            case JsonObject { Count: > 0 } map:
                WriteMap(text, map, 0);
                break;
            case JsonArray { Count: > 0 } list:
                WriteList(text, list, 0);
                break;
            default:
                text.Append(Scalar(value)).Append('\n');
                break;
        }
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>A scalar, an empty map or an empty list on one line.</summary>
    public static string Scalar(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonValue v when v.GetValueKind() is JsonValueKind.Number => Number(v),
        JsonValue v => String(v.GetValue<string>()),
        _ => throw new InvalidOperationException($"not a JSON value: {value}"),
    };

    /// <summary>A number as Helm's toYaml writes it: integral values without a fraction.</summary>
    public static string Number(JsonValue value)
    {
        if (value.TryGetValue(out long integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }
        double number = ToDouble(value);
        return number == Math.Floor(number) && Math.Abs(number) < 1e15
            ? ((long)number).ToString(CultureInfo.InvariantCulture)
            : number.ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant();
    }

    /// <summary>A number node's value, whether it holds an integer or a float.</summary>
    public static double ToDouble(JsonValue value) =>
        value.TryGetValue(out long integer) ? integer : value.TryGetValue(out int small) ? small : value.GetValue<double>();

    private static void WriteMap(StringBuilder text, JsonObject map, int indent)
    {
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(' ', indent).Append(String(key)).Append(':');
            switch (value)
            {
                case JsonObject { Count: > 0 } child:
                    text.Append('\n');
                    WriteMap(text, child, indent + 2);
                    break;
                case JsonArray { Count: > 0 } list:
                    // Sequences in a mapping sit at the key's indentation, as Helm writes them.
                    text.Append('\n');
                    WriteList(text, list, indent);
                    break;
                default:
                    text.Append(' ').Append(Scalar(value)).Append('\n');
                    break;
            }
        }
    }

    private static void WriteList(StringBuilder text, JsonArray list, int indent)
    {
        foreach (var item in list)
        {
            text.Append(' ', indent).Append("- ");
            switch (item)
            {
                case JsonObject { Count: > 0 } map:
                    // The first key follows the dash; the others line up under it.
                    var inner = new StringBuilder();
                    WriteMap(inner, map, indent + 2);
                    text.Append(inner.ToString(indent + 2, inner.Length - indent - 2));
                    break;
                case JsonArray { Count: > 0 } nested:
                    text.Append('\n');
                    WriteList(text, nested, indent + 2);
                    break;
                default:
                    text.Append(Scalar(item)).Append('\n');
                    break;
            }
        }
    }

    private static string String(string value) =>
        PlainString().IsMatch(value) && !Reserved().IsMatch(value) ? value : JsonSerializer.Serialize(value);

    // Starts with a letter, '_' or '/', and holds only letters, digits and _ . / -: never a number, date or indicator.
    [GeneratedRegex("^[A-Za-z_/][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainString();

    // Words that YAML 1.1 or 1.2 read as booleans or null.
    [GeneratedRegex("^(y|yes|n|no|on|off|true|false|null)$", RegexOptions.IgnoreCase)]
    private static partial Regex Reserved();
}
