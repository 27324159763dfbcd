using System.Reflection;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Cli;

/// <summary>Where a run spec comes from: a file given with --config, or the embedded quickstart.</summary>
public static class SpecSource
{
    public const string EmbeddedName = "quickstart.yaml";

    /// <summary>The parsed spec and its text (stored in every checkpoint's manifest).</summary>
    public static (RunSpec Spec, string Text, string Source) Load(string? configPath)
    {
        if (configPath is not null)
        {
            if (!File.Exists(configPath))
            {
                throw new RunSpecException([$"{configPath}: run spec file not found"]);
            }
            string text = File.ReadAllText(configPath);
            return (RunSpecLoader.Parse(text, configPath), text, configPath);
        }
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedName)
            ?? throw new InvalidOperationException($"the embedded {EmbeddedName} is missing from this build");
        using var reader = new StreamReader(stream);
        string embedded = reader.ReadToEnd();
        string source = $"examples/{EmbeddedName} (embedded)";
        return (RunSpecLoader.Parse(embedded, source), embedded, source);
    }
}
