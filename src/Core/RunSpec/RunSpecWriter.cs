using System.Collections;
using System.Globalization;
using System.Text;

namespace Orchestrator.Core.RunSpec;

/// <summary>
/// Writes a run spec as YAML that <see cref="RunSpecLoader"/> reads back to the same values: every
/// key, defaults included, so that the text alone says what a run did.
/// </summary>
/// <remarks>
/// A checkpoint's manifest keeps the text the run was started from (comments and all); this writer
/// is for specs built in code and for printing the effective spec of a run.
/// </remarks>
public static class RunSpecWriter
{
    /// <summary>The whole spec as block YAML; absent optional sections are left out.</summary>
    public static string ToYaml(RunSpec spec)
    {
        var sb = new StringBuilder();
        WriteSection(sb, spec, 0);
        return sb.ToString();
    }

    private static void WriteSection(StringBuilder sb, object section, int indent, bool firstInListItem = false)
    {
        var first = firstInListItem;
        foreach (var property in RunSpecSchema.Properties(section.GetType()))
        {
            var value = property.Info.GetValue(section);
            if (value is null)
            {
                continue;
            }

            // The first key of a list item shares the line of its "- ".
            var pad = first ? "" : new string(' ', indent);
            first = false;
            var type = property.Info.PropertyType;
            if (RunSpecSchema.IsSection(type))
            {
                sb.Append(pad).Append(property.Key).Append(":\n");
                WriteSection(sb, value, indent + 2);
            }
            else if (RunSpecSchema.IsList(type) && RunSpecSchema.IsSection(type.GetGenericArguments()[0]))
            {
                var items = ((IList)value).Cast<object>().ToArray();
                sb.Append(pad).Append(property.Key).Append(items.Length == 0 ? ": []\n" : ":\n");
                foreach (var item in items)
                {
                    sb.Append(' ', indent + 2).Append("- ");
                    WriteSection(sb, item, indent + 4, firstInListItem: true);
                }
            }
            else
            {
                sb.Append(pad).Append(property.Key).Append(": ").Append(Scalar(value)).Append('\n');
            }
        }
    }

    private static string Scalar(object value) => value switch
    {
        // A JSON string is a valid YAML double-quoted scalar.
        string s => System.Text.Json.JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object>().Select(Scalar)) + "]",
        _ => throw new NotSupportedException($"run spec value of type {value.GetType().Name}"),
    };
}
