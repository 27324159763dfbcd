using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// The bearer token of the checkpoint service, read from the file or environment variable the spec
/// names (checkpoint.serve.token_file / token_env). Messages name where the token was looked for,
/// never the token itself.
/// </summary>
public static class ServiceToken
{
    /// <summary>The token that <paramref name="serve"/> names.</summary>
    public static string Read(CheckpointServeSection serve)
    {
        if (serve.TokenFile.Length > 0)
        {
            return ReadFile(serve.TokenFile, "checkpoint.serve.token_file");
        }

        if (serve.TokenEnv.Length == 0)
        {
            throw new RunSpecException(["checkpoint.serve: no token source; expected token_file or token_env"]);
        }

        var value = Environment.GetEnvironmentVariable(serve.TokenEnv)?.Trim();
        return string.IsNullOrEmpty(value)
            ? throw new RunSpecException([
                $"checkpoint.serve.token_env: environment variable {serve.TokenEnv} is not set or empty; expected the bearer token in it"])
            : value;
    }

    /// <summary>The token held in a file (surrounding whitespace, such as a final newline, trimmed).</summary>
    /// <param name="path">The file.</param>
    /// <param name="origin">Where the path came from, for messages (an option or a spec key).</param>
    public static string ReadFile(string path, string origin)
    {
        if (!File.Exists(path))
        {
            throw new RunSpecException([$"{origin}: {path}: file not found; expected a file holding the bearer token"]);
        }

        var value = File.ReadAllText(path).Trim();
        return value.Length == 0
            ? throw new RunSpecException([$"{origin}: {path}: the file is empty; expected the bearer token in it"])
            : value;
    }
}
