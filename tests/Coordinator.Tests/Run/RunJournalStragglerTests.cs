using System.Text.Json;
using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Run;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Tests.Run;

/// <summary>A slow rank is visible: per-rank times in metrics.jsonl, and a log line when it stays slow.</summary>
public sealed class RunJournalStragglerTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly StringWriter _log = new();

    [Fact]
    public void A_rank_computing_markedly_slower_for_three_steps_in_a_row_is_named_once_with_its_times()
    {
        using var journal = NewJournal();
        journal.Started(0, 8, 3);

        for (long s = 0; s < 6; s++)
        {
            // Rank 2 computes three times as long; every rank's total is the same, since the others wait for it.
            journal.Committed([Report(0, s, 0.2), Report(1, s, 0.25), Report(2, s, 0.7)]);
        }

        var named = _log.ToString().Split('\n').Where(l => l.Contains("straggler", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            "straggler: rank 2 computed more than 1.5x as long as the median of the other ranks for 3 steps in a row; step 2: 0.700 s against 0.225 s",
            Assert.Single(named).Trim());
        var records = Records(journal.MetricsPath);
        var straggler = Assert.Single(records, r => r.TryGetProperty("event", out var e) && e.GetString() == "straggler");
        Assert.Equal(2, straggler.GetProperty("rank").GetInt32());
        Assert.Equal(2, straggler.GetProperty("step").GetInt64());
        var step = records.First(r => !r.TryGetProperty("event", out _));
        Assert.Equal(new[] { 0.2, 0.25, 0.7 }, step.GetProperty("compute_seconds_by_rank").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(new[] { 0.8, 0.8, 0.8 }, step.GetProperty("step_seconds_by_rank").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public void A_rank_slow_for_two_steps_only_or_slower_by_less_than_half_is_not_named()
    {
        using var journal = NewJournal();
        journal.Started(0, 8, 2);

        journal.Committed([Report(0, 0, 0.2), Report(1, 0, 0.7)]);
        journal.Committed([Report(0, 1, 0.2), Report(1, 1, 0.7)]);
        journal.Committed([Report(0, 2, 0.2), Report(1, 2, 0.25)]);
        journal.Committed([Report(0, 3, 0.2), Report(1, 3, 0.29)]);
        journal.Committed([Report(0, 4, 0.2), Report(1, 4, 0.29)]);
        journal.Committed([Report(0, 5, 0.2), Report(1, 5, 0.29)]);

        Assert.DoesNotContain("straggler", _log.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _log.Dispose();
        _folder.Dispose();
    }

    private RunJournal NewJournal() => new(_folder.File("run"), new ProgressBar(_log, interactive: false, "train"));

    private static StepCompleted Report(int rank, long step, double computeSeconds) =>
        new(1, rank, new StepOutcome(step, 1.0, 12, 4, 0.5, computeSeconds, 0.8 - computeSeconds, 0.8), []);

    private static List<JsonElement> Records(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var records = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            records.Add(JsonDocument.Parse(line).RootElement.Clone());
        }
        return records;
    }
}
