using System.Collections;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orchestrator.Core.RunSpec;

/// <summary>
/// Binds a YAML document (YamlDotNet's representation model, so that every node keeps its line) to
/// the spec classes. It goes on after a problem, so that one run reports every problem of the
/// document, and it records the line of each key path for the validator's messages.
/// </summary>
internal sealed class RunSpecBinder
{
    private static readonly object Failed = new();

    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);
    private readonly RunSpecErrors _errors;

    public RunSpecBinder(string source)
    {
        _errors = new RunSpecErrors(source, _lines);
    }

    /// <summary>Line of each key path that the document set (1-based).</summary>
    public IReadOnlyDictionary<string, int> Lines => _lines;

    public RunSpec Bind(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // The parser stops at the first syntax error; nothing after it can be bound.
            var message = (e.InnerException as YamlException ?? e).Message;
            throw new RunSpecException([
                $"{_errors.Source}: line {e.Start.Line.ToString(CultureInfo.InvariantCulture)}, column " +
                $"{e.Start.Column.ToString(CultureInfo.InvariantCulture)}: not valid YAML: {message}",
            ]);
        }

        if (stream.Documents.Count > 1)
        {
            _errors.Add("(document)", "more than one YAML document", $"{stream.Documents.Count} documents",
                "a single document", (int)stream.Documents[1].RootNode.Start.Line);
            _errors.ThrowIfAny();
        }

        // An empty file is an empty mapping: every section takes its defaults.
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return new RunSpec();
        }

        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode)
        {
            _errors.Add("(document)", "the document is not a mapping", Describe(root),
                "a mapping with the sections " + string.Join(", ", Keys(typeof(RunSpec))), (int)root.Start.Line);
            _errors.ThrowIfAny();
        }

        var spec = (RunSpec)BindSection(root, typeof(RunSpec), "");
        _errors.ThrowIfAny();
        return spec;
    }

    private object BindSection(YamlNode node, Type type, string path)
    {
        var instance = Activator.CreateInstance(type)!;
        if (IsNull(node))
        {
            // "section:" with nothing under it: the section's defaults.
            return instance;
        }

        if (node is not YamlMappingNode mapping)
        {
            Fail(path, node, "wrong type", "a mapping with the keys " + string.Join(", ", Keys(type)));
            return Failed;
        }

        var properties = RunSpecSchema.Properties(type);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Fail(Join(path, "?"), keyNode, "a key that is not a plain name", "a key such as " + properties[0].Key);
                continue;
            }

            var keyPath = Join(path, key);
            var property = properties.FirstOrDefault(p => p.Key == key);
            if (property is null)
            {
                var expected = "one of " + string.Join(", ", properties.Select(p => p.Key));
                var closest = Closest(key, properties.Select(p => p.Key));
                if (closest is not null)
                {
                    expected += $" (did you mean {closest}?)";
                }

                _errors.Add(keyPath, "unknown key", RunSpecErrors.Quote(key), expected, (int)keyNode.Start.Line);
                continue;
            }

            _lines[keyPath] = (int)keyNode.Start.Line;
            var value = BindValue(valueNode, property.Info.PropertyType, property.IsNullable, keyPath);
            if (!ReferenceEquals(value, Failed))
            {
                property.Info.SetValue(instance, value);
            }
        }

        return instance;
    }

    private object? BindValue(YamlNode node, Type type, bool nullable, string path)
    {
        if (nullable && IsNull(node))
        {
            return null;
        }

        if (RunSpecSchema.IsList(type))
        {
            return BindList(node, type, path);
        }

        if (RunSpecSchema.IsSection(type))
        {
            return BindSection(node, type, path);
        }

        // int? and double? keys (optional filters) take the scalar rules of int and double.
        return BindScalar(node, Nullable.GetUnderlyingType(type) ?? type, path);
    }

    private object BindList(YamlNode node, Type type, string path)
    {
        var elementType = type.GetGenericArguments()[0];
        if (node is not YamlSequenceNode sequence)
        {
            Fail(path, node, "wrong type", $"a list of {PluralNoun(elementType)} ([a, b], or one line starting with - each)");
            return Failed;
        }

        var list = (IList)Activator.CreateInstance(type)!;
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemPath = $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]";
            var item = sequence.Children[i];
            _lines[itemPath] = (int)item.Start.Line;
            var value = BindValue(item, elementType, nullable: false, itemPath);
            if (ReferenceEquals(value, Failed))
            {
                ok = false;
            }
            else
            {
                list.Add(value);
            }
        }

        return ok ? list : Failed;
    }

    private object BindScalar(YamlNode node, Type type, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            Fail(path, node, "wrong type", Noun(type));
            return Failed;
        }

        var text = scalar.Value ?? "";
        var quoted = scalar.Style is not ScalarStyle.Plain;
        if (type == typeof(string))
        {
            if (IsNull(scalar))
            {
                Fail(path, node, "missing value", "a string (write \"\" for an empty one)");
                return Failed;
            }

            return text;
        }

        // A quoted scalar is a string in YAML, even when it looks like a number: say so rather than
        // guess, so that "32" and 32 do not mean the same thing in one place and not in another.
        if (!quoted)
        {
            if (type == typeof(int) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
            {
                return i;
            }

            if (type == typeof(long) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                return l;
            }

            if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                && double.IsFinite(d))
            {
                return d;
            }

            // YAML 1.2 core schema booleans only: yes/no/on/off are strings there.
            if (type == typeof(bool) && text is "true" or "True" or "TRUE")
            {
                return true;
            }

            if (type == typeof(bool) && text is "false" or "False" or "FALSE")
            {
                return false;
            }
        }

        var expected = Noun(type);
        if (type == typeof(int) && !quoted && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            expected += $" between {int.MinValue.ToString(CultureInfo.InvariantCulture)} and {int.MaxValue.ToString(CultureInfo.InvariantCulture)}";
        }
        else if (quoted)
        {
            expected += " (without quotes)";
        }

        Fail(path, node, "wrong type", expected);
        return Failed;
    }

    private void Fail(string path, YamlNode node, string problem, string expected) =>
        _errors.Add(path, problem, Describe(node), expected, (int)node.Start.Line);

    private static string Noun(Type type) =>
        type == typeof(int) || type == typeof(long) ? "an integer"
        : type == typeof(double) ? "a number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string) ? "a string"
        : RunSpecSchema.IsList(type) ? "a list"
        : "a mapping";

    private static string PluralNoun(Type type) =>
        type == typeof(int) || type == typeof(long) ? "integers"
        : type == typeof(double) ? "numbers"
        : type == typeof(bool) ? "booleans"
        : type == typeof(string) ? "strings"
        : "mappings";

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "nothing (null)",
        YamlScalarNode { Style: ScalarStyle.Plain } s => s.Value ?? "",
        YamlScalarNode s => RunSpecErrors.Quote(s.Value ?? ""),
        YamlSequenceNode q => $"a list of {q.Children.Count.ToString(CultureInfo.InvariantCulture)} items",
        YamlMappingNode m => "a mapping with keys " + string.Join(", ", m.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? "?")),
        _ => node.NodeType.ToString(),
    };

    /// <summary>YAML 1.2 core schema null: empty, ~, null (plain, untagged).</summary>
    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } s
        && s.Tag.IsEmpty;

    private static IEnumerable<string> Keys(Type type) => RunSpecSchema.Properties(type).Select(p => p.Key);

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The allowed key within edit distance 2 of a misspelt one, if any.</summary>
    private static string? Closest(string key, IEnumerable<string> allowed) =>
        allowed.Select(a => (Key: a, Distance: Levenshtein(key, a)))
            .Where(x => x.Distance <= 2)
            .OrderBy(x => x.Distance)
            .Select(x => x.Key)
            .FirstOrDefault();

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
