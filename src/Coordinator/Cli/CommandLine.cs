namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// The parsed command line: verb words (`train`, `shards make`) then `--name value` options and
/// `--flag` switches. Every verb declares its options, so a typo is an error, not a silent default.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _options;

    private CommandLine(IReadOnlyList<string> verb, Dictionary<string, List<string>> options, IReadOnlyList<string> positional)
    {
        Verb = verb;
        _options = options;
        Positional = positional;
    }

    public IReadOnlyList<string> Verb { get; }

    /// <summary>Words after the verb that are neither options nor their values (such as shard paths), in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>
    /// Parses <paramref name="args"/>; <paramref name="valueOptions"/> take a value, <paramref name="flags"/> do not;
    /// other words are refused unless <paramref name="allowPositional"/>.
    /// </summary>
    public static CommandLine Parse(
        IReadOnlyList<string> args, int verbWords, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flags, bool allowPositional = false)
    {
        var verb = args.Take(verbWords).ToList();
        var options = new Dictionary<string, List<string>>();
        var positional = new List<string>();
        for (int i = verbWords; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(allowPositional
                    ? arg
                    : throw new CommandLineException($"unexpected argument '{arg}' after '{string.Join(' ', verb)}'"));
                continue;
            }
            string name = arg[2..];
            if (flags.Contains(name))
            {
                options.TryAdd(name, []);
            }
            else if (valueOptions.Contains(name))
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new CommandLineException($"option --{name} needs a value");
                }
                if (!options.TryGetValue(name, out var values))
                {
                    options[name] = values = [];
                }
                values.Add(args[++i]);
            }
            else
            {
                var known = valueOptions.Concat(flags).Order().Select(o => "--" + o).ToList();
                throw new CommandLineException(known.Count == 0
                    ? $"unknown option --{name}: '{string.Join(' ', verb)}' takes no options"
                    : $"unknown option --{name} for '{string.Join(' ', verb)}'; expected one of: {string.Join(", ", known)}");
            }
        }
        return new CommandLine(verb, options, positional);
    }

    /// <summary>The option's value (the last one when it was given several times), or null when absent.</summary>
    public string? Value(string name) => _options.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    /// <summary>Every value of an option that may be repeated (`--prompt a --prompt b`), in order.</summary>
    public IReadOnlyList<string> Values(string name) => _options.TryGetValue(name, out var values) ? values : [];

    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>A non-negative number option, or null when absent.</summary>
    public double? NonNegativeNumber(string name)
    {
        string? text = Value(name);
        if (text is null)
        {
            return null;
        }
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value)
            && value >= 0 && double.IsFinite(value)
            ? value
            : throw new CommandLineException($"option --{name}: expected a number >= 0, got '{text}'");
    }

    /// <summary>A positive integer option, or null when absent.</summary>
    public int? PositiveInt(string name)
    {
        string? text = Value(name);
        if (text is null)
        {
            return null;
        }
        return int.TryParse(text, out int value) && value > 0
            ? value
            : throw new CommandLineException($"option --{name}: expected a positive integer, got '{text}'");
    }

    /// <summary>A TCP port option (0 to 65535; 0 picks a free one), or null when absent.</summary>
    public int? PortNumber(string name)
    {
        string? text = Value(name);
        if (text is null)
        {
            return null;
        }
        return int.TryParse(text, out int value) && value is >= 0 and <= 65535
            ? value
            : throw new CommandLineException($"option --{name}: expected a port number from 0 to 65535, got '{text}'");
    }
}

/// <summary>A command line that cannot be run as written.</summary>
public sealed class CommandLineException(string message) : Exception(message);
