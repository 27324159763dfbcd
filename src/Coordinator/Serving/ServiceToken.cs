using Orchestrator.Coordinator.Security;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// The bearer token of the checkpoint service, read from the file or environment variable the spec
/// names (checkpoint.serve.token_file / token_env). Messages name where the token was looked for,
/// never the token itself.
/// </summary>
public static class ServiceToken
{
    private const string What = "the bearer token";

    /// <summary>The token that <paramref name="serve"/> names.</summary>
    public static string Read(CheckpointServeSection serve)
    {
        ArgumentNullException.ThrowIfNull(serve);
        if (serve.TokenFile.Length > 0)
        {
            return ReadFile(serve.TokenFile, "checkpoint.serve.token_file");
        }

        return serve.TokenEnv.Length == 0
            ? throw new RunSpecException(["checkpoint.serve: no token source; expected token_file or token_env"])
            : SecretSource.ReadEnvironment(serve.TokenEnv, "checkpoint.serve.token_env", What);
    }

    /// <summary>The token held in a file (surrounding whitespace, such as a final newline, trimmed).</summary>
    /// <param name="path">The file.</param>
    /// <param name="origin">Where the path came from, for messages (an option or a spec key).</param>
    public static string ReadFile(string path, string origin) => SecretSource.ReadFile(path, origin, What);
}
