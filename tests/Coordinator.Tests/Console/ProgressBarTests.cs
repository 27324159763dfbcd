using Orchestrator.Coordinator.Console;

namespace Orchestrator.Coordinator.Tests.Console;

public sealed class ProgressBarTests
{
    [Fact]
    public void Redirected_output_gets_a_line_at_once_then_every_5_percent_and_at_the_end()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, interactive: false, "train");

        for (int done = 1; done <= 100; done++)
        {
            bar.Report(done, 100, "loss 0.5000", ratePerSecond: 10);
        }

        var lines = Lines(output);
        // The first report prints at once, so a long run shows a line before its first 5 %.
        Assert.Equal(21, lines.Length);
        Assert.Equal(
            new[] { "1/100" }.Concat(Enumerable.Range(1, 20).Select(i => $"{i * 5}/100")),
            lines.Select(l => l.Split(' ')[2]));
        Assert.Equal("train [##############..............] 50/100 loss 0.5000 ETA 00:05", lines[10]);
        Assert.Equal("train [############################] 100/100 loss 0.5000 ETA 00:00", lines[^1]);
    }

    [Fact]
    public void Reports_within_the_same_5_percent_print_once_and_the_end_prints()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, interactive: false, "shards");

        bar.Report(191, 200, "rows", ratePerSecond: 1);
        bar.Report(199, 200, "rows", ratePerSecond: 1);
        bar.Report(200, 200, "rows", ratePerSecond: 1);

        var lines = Lines(output);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("shards [", lines[0], StringComparison.Ordinal);
        Assert.Contains("191/200 rows ETA 00:09", lines[0], StringComparison.Ordinal);
        Assert.Contains("200/200 rows ETA 00:00", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, "ETA --:--")]
    [InlineData(0.01, "ETA 2:38:20")]
    [InlineData(1.0, "ETA 01:35")]
    public void The_ETA_comes_from_the_rate_of_progress(double rate, string eta)
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, interactive: false, "train");

        bar.Report(5, 100, "loss 1.0", rate);

        Assert.EndsWith(eta, Assert.Single(Lines(output)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_note_is_a_line_of_its_own_and_a_disabled_bar_prints_nothing()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, interactive: false, "train");
        bar.Report(1, 10, "loss 1.0000", ratePerSecond: 1);
        bar.Note("checkpoint: step 1 saved");

        Assert.Equal("checkpoint: step 1 saved", Lines(output)[^1]);

        var silent = new ProgressBar(null, interactive: false, "train");
        silent.Report(1, 10, "loss 1.0000", ratePerSecond: 1);
        silent.Note("checkpoint: step 1 saved");
    }

    private static string[] Lines(StringWriter output) =>
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
