namespace Orchestrator.Core.RunSpec;

/// <summary>
/// Reads a run spec: binds the YAML to <see cref="RunSpec"/> (unknown keys, wrong types) and then
/// checks its ranges with <see cref="RunSpecValidator"/>. Either step throws a
/// <see cref="RunSpecException"/> listing every problem of the document; no problem of the second
/// kind is reported while the first kind remains, since those values are not known.
/// </summary>
public static class RunSpecLoader
{
    /// <summary>Reads, binds and validates the file at <paramref name="path"/>.</summary>
    public static RunSpec Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunSpecException([$"{path}: cannot read the run spec: {e.Message}"]);
        }

        return Parse(text, path);
    }

    /// <summary>Binds and validates YAML text; <paramref name="sourceName"/> names it in messages.</summary>
    public static RunSpec Parse(string yaml, string sourceName)
    {
        var binder = new RunSpecBinder(sourceName);
        var spec = binder.Bind(yaml);
        RunSpecValidator.Validate(spec, sourceName, binder.Lines);
        return spec;
    }
}
