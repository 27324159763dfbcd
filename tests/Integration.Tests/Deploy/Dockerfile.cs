namespace Orchestrator.Integration.Tests.Deploy;

/// <summary>One instruction of a Dockerfile: its keyword (upper case), its arguments with continuations joined, its line.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>A Dockerfile read into its stages, for the checks that need no Docker engine.</summary>
internal sealed class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<IReadOnlyList<DockerInstruction>> stages)
    {
        Path = path;
        Stages = stages;
    }

    public string Path { get; }

    /// <summary>Each stage's instructions, its FROM first, in file order.</summary>
    public IReadOnlyList<IReadOnlyList<DockerInstruction>> Stages { get; }

    public IReadOnlyList<DockerInstruction> Final => Stages[^1];

    public static Dockerfile Read(string path)
    {
        var stages = new List<List<DockerInstruction>>();
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int start = i;
            // A trailing backslash continues the instruction; comment lines inside it are dropped, as Docker does.
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                string next = lines[++i].Trim();
                line = line[..^1].TrimEnd() + (next.StartsWith('#') ? " \\" : " " + next);
            }
            string[] parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            var instruction = new DockerInstruction(parts[0].ToUpperInvariant(), parts.ElementAtOrDefault(1) ?? "", start + 1);
            if (instruction.Keyword == "FROM")
            {
                stages.Add([]);
            }
            else if (stages.Count == 0)
            {
                throw new InvalidDataException($"{path}:{instruction.Line}: {instruction.Keyword} before the first FROM");
            }
            stages[^1].Add(instruction);
        }
        return new Dockerfile(path, stages);
    }

    /// <summary>The stage's base image (FROM's first word after any --platform flag).</summary>
    public static string BaseImage(IReadOnlyList<DockerInstruction> stage) =>
        stage[0].Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(w => !w.StartsWith("--", StringComparison.Ordinal));

    /// <summary>The stage's name (FROM ... AS name), or null.</summary>
    public static string? StageName(IReadOnlyList<DockerInstruction> stage)
    {
        string[] words = stage[0].Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int at = Array.FindIndex(words, w => w.Equals("AS", StringComparison.OrdinalIgnoreCase));
        return at >= 0 && at + 1 < words.Length ? words[at + 1] : null;
    }
}
