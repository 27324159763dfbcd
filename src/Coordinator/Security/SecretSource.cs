using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Security;

/// <summary>
/// A secret (a bearer token, a key's password) read from the file or the environment variable that the spec names,
/// never from the spec itself: the spec's text is copied into every checkpoint manifest. Messages name where the
/// secret was looked for, never the secret.
/// </summary>
internal static class SecretSource
{
    /// <summary>The secret in the file at <paramref name="path"/>, surrounding whitespace (a final newline) trimmed.</summary>
    /// <param name="path">The file.</param>
    /// <param name="origin">Where the path came from, for messages (an option or a spec key).</param>
    /// <param name="what">What the file holds, for messages ("the bearer token").</param>
    public static string ReadFile(string path, string origin, string what)
    {
        if (!File.Exists(path))
        {
            throw new RunSpecException([$"{origin}: {path}: file not found; expected a file holding {what}"]);
        }

        var value = File.ReadAllText(path).Trim();
        return value.Length == 0
            ? throw new RunSpecException([$"{origin}: {path}: the file is empty; expected {what} in it"])
            : value;
    }

    /// <summary>The secret in the environment variable <paramref name="name"/>, surrounding whitespace trimmed.</summary>
    public static string ReadEnvironment(string name, string origin, string what)
    {
        var value = Environment.GetEnvironmentVariable(name)?.Trim();
        return string.IsNullOrEmpty(value)
            ? throw new RunSpecException([$"{origin}: environment variable {name} is not set or empty; expected {what} in it"])
            : value;
    }
}
