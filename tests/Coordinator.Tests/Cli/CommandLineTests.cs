using Orchestrator.Coordinator.Cli;

namespace Orchestrator.Coordinator.Tests.Cli;

public sealed class CommandLineTests
{
    private static readonly HashSet<string> Values = ["config", "resume", "steps"];
    private static readonly HashSet<string> Flags = ["dry-run"];

    [Fact]
    public void Options_after_the_verb_give_their_values()
    {
        var line = CommandLine.Parse(["train", "--config", "run.yaml", "--steps", "5"], 1, Values, Flags);

        Assert.Equal(["train"], line.Verb);
        Assert.Equal("run.yaml", line.Value("config"));
        Assert.Equal(5, line.PositiveInt("steps"));
        Assert.True(line.Has("config"));
        Assert.False(line.Has("resume"));
        Assert.Null(line.Value("resume"));
        Assert.Null(line.PositiveInt("resume"));
    }

    [Fact]
    public void A_verb_of_two_words_is_kept_whole()
    {
        var line = CommandLine.Parse(["shards", "make", "--config", "c.yaml"], 2, Values, Flags);

        Assert.Equal(["shards", "make"], line.Verb);
        Assert.Equal("c.yaml", line.Value("config"));
    }

    [Fact]
    public void A_flag_takes_no_value()
    {
        var line = CommandLine.Parse(["train", "--dry-run", "--config", "run.yaml"], 1, Values, Flags);

        Assert.True(line.Has("dry-run"));
        Assert.Null(line.Value("dry-run"));
        Assert.Equal("run.yaml", line.Value("config"));
    }

    [Fact]
    public void An_unknown_option_is_an_error_listing_the_known_ones()
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse(["train", "--stpes", "5"], 1, Values, Flags));

        Assert.Equal("unknown option --stpes for 'train'; expected one of: --config, --dry-run, --resume, --steps", error.Message);
    }

    [Theory]
    [InlineData("train", "--config")]
    [InlineData("train", "--config", "--steps", "3")]
    public void An_option_without_its_value_is_an_error(params string[] args)
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse(args, 1, Values, Flags));

        Assert.Equal("option --config needs a value", error.Message);
    }

    [Fact]
    public void A_stray_positional_argument_is_an_error()
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse(["train", "run.yaml"], 1, Values, Flags));

        Assert.Equal("unexpected argument 'run.yaml' after 'train'", error.Message);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void A_value_that_is_not_a_positive_integer_is_an_error(string text)
    {
        var line = CommandLine.Parse(["train", "--steps", text], 1, Values, Flags);

        var error = Assert.Throws<CommandLineException>(() => line.PositiveInt("steps"));

        Assert.Equal($"option --steps: expected a positive integer, got '{text}'", error.Message);
    }

    [Fact]
    public void Positional_words_are_kept_in_order_when_allowed_and_refused_otherwise()
    {
        var command = CommandLine.Parse(["shards", "verify", "a.parquet", "--image-size", "32", "b/"], 2,
            new HashSet<string> { "image-size" }, new HashSet<string>(), allowPositional: true);
        Assert.Equal(["a.parquet", "b/"], command.Positional);
        Assert.Equal("32", command.Value("image-size"));

        var error = Assert.Throws<CommandLineException>(() =>
            CommandLine.Parse(["train", "a.parquet"], 1, new HashSet<string>(), new HashSet<string>()));
        Assert.Contains("unexpected argument 'a.parquet' after 'train'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_for_a_verb_without_options_says_it_takes_none()
    {
        var error = Assert.Throws<CommandLineException>(() =>
            CommandLine.Parse(["shards", "inspect", "--bogus"], 2, new HashSet<string>(), new HashSet<string>(), allowPositional: true));
        Assert.Equal("unknown option --bogus: 'shards inspect' takes no options", error.Message);
    }
}
