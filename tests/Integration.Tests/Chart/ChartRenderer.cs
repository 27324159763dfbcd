using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>One rendered template file of the chart.</summary>
internal sealed record RenderedTemplate(string Name, string Text);

/// <summary>
/// Renders the chart's templates without Helm, for the subset of Go templates that helm/orchestrator/README.md
/// ("Template subset") allows: value references, <c>if</c>/<c>else</c>/<c>end</c>, <c>define</c> and
/// <c>include</c> with the root context, the functions <c>quote</c>, <c>toYaml</c>, <c>indent</c>, <c>nindent</c>
/// and <c>not</c>, pipelines, trim markers and comments. Anything else fails with the file and line, and so does
/// printing a missing value or a map, which Helm would print as nothing or as Go's map syntax.
/// </summary>
internal static partial class ChartRenderer
{
    public static IReadOnlyList<RenderedTemplate> Render(string chartDirectory, JsonObject values, string releaseName, string releaseNamespace)
    {
        var chart = ChartValues.Load(Path.Combine(chartDirectory, "Chart.yaml"));
        var root = new JsonObject
        {
            ["Values"] = values.DeepClone(),
            ["Release"] = new JsonObject { ["Name"] = releaseName, ["Namespace"] = releaseNamespace, ["Service"] = "Helm" },
            ["Chart"] = new JsonObject
            {
                ["Name"] = chart["name"]?.DeepClone(),
                ["Version"] = chart["version"]?.DeepClone(),
                ["AppVersion"] = chart["appVersion"]?.DeepClone(),
            },
        };
        var files = Directory.GetFiles(Path.Combine(chartDirectory, "templates"))
            .Select(path => (Name: Path.GetFileName(path), Nodes: Parse(Path.GetFileName(path), File.ReadAllText(path))))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        var defines = new Dictionary<string, IReadOnlyList<Node>>(StringComparer.Ordinal);
        foreach (var (name, nodes) in files)
        {
            foreach (var define in nodes.OfType<DefineNode>())
            {
                if (!defines.TryAdd(define.Name, define.Body))
                {
                    throw new TemplateException(name, define.Line, $"template \"{define.Name}\" is defined twice");
                }
            }
        }
        var context = new Context(root, defines);
        return [.. files
            .Where(f => !f.Name.StartsWith('_') && (f.Name.EndsWith(".yaml", StringComparison.Ordinal) || f.Name.EndsWith(".yml", StringComparison.Ordinal)))
            .Select(f => new RenderedTemplate(f.Name, context.Execute(f.Name, f.Nodes.Where(n => n is not DefineNode).ToList(), root)))];
    }

    // ---- parsing: text and {{ actions }} into a tree

    private abstract record Node(int Line);

    private sealed record TextNode(int Line, string Text) : Node(Line);

    private sealed record OutputNode(int Line, Pipeline Pipeline) : Node(Line);

    private sealed record IfNode(int Line, Pipeline Condition, IReadOnlyList<Node> Then, IReadOnlyList<Node> Else) : Node(Line);

    private sealed record DefineNode(int Line, string Name, IReadOnlyList<Node> Body) : Node(Line);

    private sealed record Pipeline(IReadOnlyList<Command> Commands);

    /// <summary>A function call (Function set) or a single operand (Function null, one argument).</summary>
    private sealed record Command(string? Function, IReadOnlyList<Operand> Arguments);

    private sealed record Operand(string? Field, JsonNode? Literal);

    private sealed record Action(int Line, string Text);

    private static List<Node> Parse(string file, string template)
    {
        var segments = Segments(file, template);
        int position = 0;
        var nodes = ParseBlock(file, segments, ref position, topLevel: true, out string? terminator);
        if (terminator is not null)
        {
            throw new TemplateException(file, ((Action)segments[position - 1]).Line, $"'{terminator}' without a block to close");
        }
        return nodes;
    }

    // Text and actions in order, with the whitespace that trim markers remove already removed.
    private static List<object> Segments(string file, string template)
    {
        var segments = new List<object>();
        int at = 0;
        bool trimNext = false;
        while (at < template.Length)
        {
            int open = template.IndexOf("{{", at, StringComparison.Ordinal);
            string text = template[at..(open < 0 ? template.Length : open)];
            if (trimNext)
            {
                text = text.TrimStart();
            }
            if (open < 0)
            {
                segments.Add(text);
                break;
            }
            bool trimBefore = template.AsSpan(open).StartsWith("{{- ", StringComparison.Ordinal);
            segments.Add(trimBefore ? text.TrimEnd() : text);
            int line = template[..open].Count(c => c == '\n') + 1;
            int contentStart = open + (trimBefore ? 4 : 2);
            bool comment = template.AsSpan(contentStart).TrimStart().StartsWith("/*", StringComparison.Ordinal);
            int close = comment
                ? template.IndexOf("*/", contentStart, StringComparison.Ordinal) is int end and >= 0 ? template.IndexOf("}}", end, StringComparison.Ordinal) : -1
                : template.IndexOf("}}", contentStart, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new TemplateException(file, line, "an action that is never closed with }}");
            }
            trimNext = template.AsSpan(open, close - open).EndsWith(" -", StringComparison.Ordinal);
            string content = template[contentStart..(trimNext ? close - 2 : close)].Trim();
            if (!comment)
            {
                segments.Add(new Action(line, content));
            }
            at = close + 2;
        }
        return segments;
    }

    private static List<Node> ParseBlock(string file, List<object> segments, ref int position, bool topLevel, out string? terminator)
    {
        var nodes = new List<Node>();
        terminator = null;
        while (position < segments.Count)
        {
            var segment = segments[position++];
            if (segment is string text)
            {
                if (text.Length > 0)
                {
                    nodes.Add(new TextNode(0, text));
                }
                continue;
            }
            var action = (Action)segment;
            var words = action.Text.Split(' ', 2, StringSplitOptions.TrimEntries);
            switch (words[0])
            {
                case "end" or "else" when words.Length == 1:
                    terminator = words[0];
                    return nodes;
                case "if":
                    var condition = ParsePipeline(file, action.Line, words.ElementAtOrDefault(1) ?? "");
                    var then = ParseBlock(file, segments, ref position, topLevel: false, out string? thenEnd);
                    var otherwise = thenEnd == "else" ? ParseBlock(file, segments, ref position, topLevel: false, out thenEnd) : [];
                    if (thenEnd != "end")
                    {
                        throw new TemplateException(file, action.Line, "an 'if' without its 'end'");
                    }
                    nodes.Add(new IfNode(action.Line, condition, then, otherwise));
                    break;
                case "define":
                    if (!topLevel || words.Length < 2 || !StringLiteral().IsMatch(words[1]))
                    {
                        throw new TemplateException(file, action.Line, "'define' takes one quoted name, at the top level of a file");
                    }
                    var body = ParseBlock(file, segments, ref position, topLevel: false, out string? defineEnd);
                    if (defineEnd != "end")
                    {
                        throw new TemplateException(file, action.Line, "a 'define' without its 'end'");
                    }
                    nodes.Add(new DefineNode(action.Line, JsonSerializer.Deserialize<string>(words[1])!, body));
                    break;
                case "else" or "end" or "range" or "with" or "block" or "template" or "tpl":
                    throw new TemplateException(file, action.Line, $"'{action.Text}' is outside the chart's template subset (README.md)");
                default:
                    nodes.Add(new OutputNode(action.Line, ParsePipeline(file, action.Line, action.Text)));
                    break;
            }
        }
        return nodes;
    }

    private static Pipeline ParsePipeline(string file, int line, string text)
    {
        var tokens = Token().Matches(text).Select(m => m.Value).ToList();
        if (string.Concat(tokens).Length != text.Count(c => !char.IsWhiteSpace(c)) || tokens.Count == 0)
        {
            throw new TemplateException(file, line, $"'{text}': only values, quoted strings, integers, functions and | are in the chart's template subset (README.md)");
        }
        var commands = new List<Command>();
        foreach (var part in Split(tokens))
        {
            if (part.Count == 0)
            {
                throw new TemplateException(file, line, $"'{text}': an empty command in the pipeline");
            }
            string? function = Identifier().IsMatch(part[0]) ? part[0] : null;
            var arguments = part.Skip(function is null ? 0 : 1).Select(token => Identifier().IsMatch(token)
                ? throw new TemplateException(file, line, $"'{text}': '{token}' as an argument (parentheses and nested calls are outside the subset)")
                : ToOperand(token)).ToList();
            if (function is null && arguments.Count != 1)
            {
                throw new TemplateException(file, line, $"'{text}': a command is one value, or a function and its arguments");
            }
            commands.Add(new Command(function, arguments));
        }
        return new Pipeline(commands);
    }

    private static IEnumerable<List<string>> Split(List<string> tokens)
    {
        var part = new List<string>();
        foreach (string token in tokens)
        {
            if (token == "|")
            {
                yield return part;
                part = [];
            }
            else
            {
                part.Add(token);
            }
        }
        yield return part;
    }

    private static Operand ToOperand(string token) => token[0] switch
    {
        '.' => new Operand(token, null),
        '"' => new Operand(null, JsonValue.Create(JsonSerializer.Deserialize<string>(token))),
        _ => new Operand(null, JsonValue.Create(long.Parse(token, CultureInfo.InvariantCulture))),
    };

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|\||\.(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?|-?[0-9]+|[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Token();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^""(?:[^""\\]|\\.)*""$")]
    private static partial Regex StringLiteral();

    // ---- execution

    private sealed class Context(JsonObject root, IReadOnlyDictionary<string, IReadOnlyList<Node>> defines)
    {
        private int _depth;

        public string Execute(string file, IReadOnlyList<Node> nodes, JsonNode scope)
        {
            var output = new StringBuilder();
            foreach (var node in nodes)
            {
                switch (node)
                {
                    case TextNode text:
                        output.Append(text.Text);
                        break;
                    case OutputNode action:
                        output.Append(Print(file, action.Line, Evaluate(file, action.Line, action.Pipeline, scope)));
                        break;
                    case IfNode branch:
                        output.Append(Execute(file, Truthy(Evaluate(file, branch.Line, branch.Condition, scope)) ? branch.Then : branch.Else, scope));
                        break;
                    default:
                        throw new TemplateException(file, node.Line, "'define' inside a block");
                }
            }
            return output.ToString();
        }

        private JsonNode? Evaluate(string file, int line, Pipeline pipeline, JsonNode scope)
        {
            JsonNode? value = null;
            for (int i = 0; i < pipeline.Commands.Count; i++)
            {
                var command = pipeline.Commands[i];
                var arguments = command.Arguments.Select(a => a.Field is { } field ? Field(file, line, field, scope) : a.Literal?.DeepClone()).ToList();
                if (i > 0)
                {
                    if (command.Function is null)
                    {
                        throw new TemplateException(file, line, "a value after | (only functions take the pipeline's value)");
                    }
                    arguments.Add(value);
                }
                value = command.Function is null ? arguments[0] : Call(file, line, command.Function, arguments);
            }
            return value;
        }

        // .Values.a.b: a missing key gives null, a key of a missing map fails, as Helm does.
        private static JsonNode? Field(string file, int line, string field, JsonNode scope)
        {
            JsonNode? current = scope;
            foreach (string name in field.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                current = current switch
                {
                    JsonObject map => map[name],
                    null => throw new TemplateException(file, line, $"{field}: nil pointer evaluating .{name} (a map above it is missing)"),
                    _ => throw new TemplateException(file, line, $"{field}: .{name} of a value that is not a map"),
                };
            }
            return current;
        }

        private JsonNode? Call(string file, int line, string function, List<JsonNode?> arguments)
        {
            void Arity(int count)
            {
                if (arguments.Count != count)
                {
                    throw new TemplateException(file, line, $"{function} takes {count} arguments, got {arguments.Count}");
                }
            }
            switch (function)
            {
                case "quote":
                    Arity(1);
                    return JsonSerializer.Serialize(Print(file, line, arguments[0]));
                case "toYaml":
                    Arity(1);
                    return TemplateYaml.Write(arguments[0]);
                case "indent" or "nindent":
                    Arity(2);
                    string pad = new(' ', (int)Number(file, line, function, arguments[0]));
                    string indented = pad + Text(file, line, function, arguments[1]).Replace("\n", "\n" + pad, StringComparison.Ordinal);
                    return function == "nindent" ? "\n" + indented : indented;
                case "not":
                    Arity(1);
                    return !Truthy(arguments[0]);
                case "include":
                    Arity(2);
                    string name = Text(file, line, function, arguments[0]);
                    if (!ReferenceEquals(arguments[1], root))
                    {
                        throw new TemplateException(file, line, "include passes the root context (.) only, in the chart's subset");
                    }
                    if (!defines.TryGetValue(name, out var body))
                    {
                        throw new TemplateException(file, line, $"include of \"{name}\", which no template defines");
                    }
                    if (++_depth > 20)
                    {
                        throw new TemplateException(file, line, $"include of \"{name}\" nests too deep (a loop?)");
                    }
                    try
                    {
                        return Execute($"{file} > {name}", body, root);
                    }
                    finally
                    {
                        _depth--;
                    }
                default:
                    throw new TemplateException(file, line, $"function '{function}' is outside the chart's template subset (README.md)");
            }
        }

        private static double Number(string file, int line, string function, JsonNode? value) =>
            value is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                ? TemplateYaml.ToDouble(v)
                : throw new TemplateException(file, line, $"{function}: expected a number, got {TemplateYaml.Scalar(value)}");

        private static string Text(string file, int line, string function, JsonNode? value) =>
            value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw new TemplateException(file, line, $"{function}: expected a string, got {(value is null ? "a missing value" : TemplateYaml.Scalar(value))}");

        // What {{ value }} writes. Go writes numbers of a million and more in e-notation and maps in its own syntax:
        // those, and missing values, fail here instead.
        private static string Print(string file, int line, JsonNode? value) => value switch
        {
            null => throw new TemplateException(file, line, "prints a missing value (Helm would print nothing)"),
            JsonObject or JsonArray => throw new TemplateException(file, line, "prints a map or a list: pipe it through toYaml"),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number =>
                TemplateYaml.ToDouble(v) is var n && n == Math.Floor(n) && Math.Abs(n) < 1e6
                    ? TemplateYaml.Number(v)
                    : throw new TemplateException(file, line, $"prints the number {TemplateYaml.Number(v)}, which Go's templates write otherwise (quote or toYaml it)"),
            _ => TemplateYaml.Scalar(value),
        };

        // Go templates: false, 0, null, "" and empty maps and lists are false.
        private static bool Truthy(JsonNode? value) => value switch
        {
            null => false,
            JsonObject map => map.Count > 0,
            JsonArray list => list.Count > 0,
            JsonValue v => v.GetValueKind() switch
            {
                JsonValueKind.False => false,
                JsonValueKind.Number => TemplateYaml.ToDouble(v) != 0,
                JsonValueKind.String => v.GetValue<string>().Length > 0,
                _ => true,
            },
            _ => true,
        };
    }
}

/// <summary>A template the renderer cannot render, with its file and line.</summary>
internal sealed class TemplateException(string file, int line, string message)
    : Exception($"{file}{(line > 0 ? $":{line}" : "")}: {message}");
