using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Serving;

public sealed class CheckpointServeSpecTests
{
    private const string Minimal = "data: { train: [{ shards: data/train }] }\ntrain: { steps: 10 }\n";

    [Fact]
    public void Serve_section_binds_host_port_and_token_source()
    {
        var spec = RunSpecLoader.Parse(Minimal + "checkpoint: { serve: { host: 0.0.0.0, port: 9000, token_env: CKPT_TOKEN } }", "serve.yaml");

        Assert.Equal(new CheckpointServeSection { Host = "0.0.0.0", Port = 9000, TokenEnv = "CKPT_TOKEN" }, spec.Checkpoint.Serve);
        Assert.Null(RunSpecLoader.Parse(Minimal, "plain.yaml").Checkpoint.Serve);
    }

    [Theory]
    [InlineData("{ host: example.com, token_file: t }", "checkpoint.serve.host: not an address to bind, got \"example.com\"")]
    [InlineData("{ port: 70000, token_file: t }", "checkpoint.serve.port: out of range, got 70000; expected an integer in [0, 65535]")]
    [InlineData("{ port: -1, token_file: t }", "checkpoint.serve.port: out of range, got -1")]
    [InlineData("{ token_file: t, token_env: T }", "checkpoint.serve: needs exactly one source of the bearer token")]
    [InlineData("{ host: 127.0.0.1 }", "checkpoint.serve: needs exactly one source of the bearer token")]
    [InlineData("{ token: abc }", "checkpoint.serve.token: unknown key")]
    public void Bad_serve_keys_are_reported_with_path_and_expectation(string serve, string message)
    {
        var error = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(Minimal + $"checkpoint: {{ serve: {serve} }}", "serve.yaml"));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Token_is_read_from_a_file_trimmed_or_from_an_environment_variable()
    {
        using var folder = new TemporaryFolder();
        var file = folder.File("token");
        File.WriteAllText(file, "  from-file\n");
        var variable = $"ORCHESTRATOR_TEST_TOKEN_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "from-env");
        try
        {
            Assert.Equal("from-file", ServiceToken.Read(new CheckpointServeSection { TokenFile = file }));
            Assert.Equal("from-env", ServiceToken.Read(new CheckpointServeSection { TokenEnv = variable }));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void A_missing_or_empty_token_is_an_error_naming_where_it_was_looked_for()
    {
        using var folder = new TemporaryFolder();
        var empty = folder.File("empty");
        File.WriteAllText(empty, "\n");

        var missing = Assert.Throws<RunSpecException>(() => ServiceToken.Read(new CheckpointServeSection { TokenFile = folder.File("none") }));
        var blank = Assert.Throws<RunSpecException>(() => ServiceToken.Read(new CheckpointServeSection { TokenFile = empty }));
        var unset = Assert.Throws<RunSpecException>(() => ServiceToken.Read(new CheckpointServeSection { TokenEnv = "ORCHESTRATOR_TEST_UNSET_VARIABLE" }));

        Assert.Contains($"checkpoint.serve.token_file: {folder.File("none")}: file not found", missing.Message);
        Assert.Contains($"checkpoint.serve.token_file: {empty}: the file is empty", blank.Message);
        Assert.Contains("checkpoint.serve.token_env: environment variable ORCHESTRATOR_TEST_UNSET_VARIABLE is not set or empty", unset.Message);
    }
}
