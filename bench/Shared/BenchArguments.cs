using System.Globalization;

namespace Orchestrator.Bench;

/// <summary>
/// The command line every bench program shares: `NAME DIR [--option N]...`, options whole numbers >= 1,
/// and one way to report bad input (a line naming the program, exit 1) or a missing folder (usage, exit 2).
/// Linked into each bench project.
/// </summary>
internal sealed class BenchArguments
{
    private readonly Dictionary<string, int> _values;

    private BenchArguments(string folder, Dictionary<string, int> values)
    {
        Folder = folder;
        _values = values;
    }

    /// <summary>The folder the program reads (the first argument).</summary>
    public string Folder { get; }

    /// <summary>The option's value, or <paramref name="fallback"/> when it was not given.</summary>
    public int Get(string option, int fallback) => _values.TryGetValue(option, out int value) ? value : fallback;

    /// <summary>The option's value, or null when it was not given.</summary>
    public int? Find(string option) => _values.TryGetValue(option, out int value) ? value : null;

    /// <summary>Parses the arguments and runs <paramref name="run"/>, turning bad input into one line and an exit code.</summary>
    public static int Run(string program, string usage, IReadOnlyList<string> options, string[] args, Func<BenchArguments, int> run)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine($"usage: {program} {usage}");
            return 2;
        }
        try
        {
            return run(Parse(args, options));
        }
        catch (Exception error) when (error is ArgumentException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"{program}: {error.Message}");
            return 1;
        }
    }

    private static BenchArguments Parse(string[] args, IReadOnlyList<string> options)
    {
        var values = new Dictionary<string, int>();
        for (int i = 1; i < args.Length; i += 2)
        {
            if (!options.Contains(args[i]))
                throw new ArgumentException($"Unknown option {args[i]}; expected {string.Join(", ", options)}.");
            if (i + 1 >= args.Length)
                throw new ArgumentException($"Option {args[i]} needs a value.");
            if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
                throw new ArgumentException($"Option {args[i]} is '{args[i + 1]}'; expected a whole number, 1 or more.");
            values[args[i]] = value;
        }
        return new BenchArguments(args[0], values);
    }
}
