using System.Text.Json;
using Orchestrator.Coordinator.Console;
using Orchestrator.Coordinator.Run;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;
using SkiaSharp;

namespace Orchestrator.Coordinator.Tests.Run;

/// <summary>Evaluations in the run's journal: every metric in metrics.jsonl, and the plot of loss and metrics over steps.</summary>
public sealed class RunJournalEvaluationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void Evaluations_write_every_metric_and_who_evaluated_to_metrics_jsonl()
    {
        string metricsPath;
        using (var journal = NewJournal())
        {
            journal.Evaluated(Evaluation(4, ("fid", 31.5), ("clip_score", 24.25)));
            journal.Evaluated(Evaluation(8, ("fid", double.NaN)));
            metricsPath = journal.MetricsPath;
        }

        var lines = File.ReadAllLines(metricsPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        var first = lines[0];
        Assert.Equal("evaluation", first.GetProperty("event").GetString());
        Assert.Equal(4, first.GetProperty("step").GetInt64());
        Assert.Equal(31.5, first.GetProperty("metrics").GetProperty("fid").GetDouble());
        Assert.Equal(24.25, first.GetProperty("metrics").GetProperty("clip_score").GetDouble());
        Assert.Equal("fid", first.GetProperty("frechet_metric").GetString());
        Assert.Equal("akka.tcp://orchestrator@127.0.0.1:4055", first.GetProperty("evaluator").GetString());
        Assert.Equal("NaN", lines[1].GetProperty("metrics").GetProperty("fid").GetString());
    }

    [Fact]
    public void The_run_plot_has_a_panel_for_the_loss_the_frechet_distance_and_the_clip_score()
    {
        using var journal = NewJournal();
        journal.Started(0, 4, 1);
        for (long step = 0; step < 4; step++)
        {
            journal.Committed([new StepCompleted(1, 0, new StepOutcome(step, 1.0 / (step + 1), 4, 4, 0.5, 0.1, 0.01, 0.11), [])]);
        }
        journal.Evaluated(Evaluation(2, ("fid", 40.0), ("clip_score", 20.0)));
        journal.Evaluated(Evaluation(4, ("fid", 30.0), ("clip_score", 22.0)));

        var summary = journal.Finish();

        using var withEvaluations = SKBitmap.Decode(summary.LossPlotPath);
        Assert.Equal(30.0, summary.LastFrechetDistance);
        Assert.Equal("fid", summary.Extractor);

        using var lossOnly = NewJournal("loss-only");
        lossOnly.Started(0, 2, 1);
        lossOnly.Committed([new StepCompleted(1, 0, new StepOutcome(0, 1.0, 4, 4, 0.5, 0.1, 0.01, 0.11), [])]);
        lossOnly.Committed([new StepCompleted(1, 0, new StepOutcome(1, 0.5, 4, 4, 0.5, 0.1, 0.01, 0.11), [])]);
        using var withoutEvaluations = SKBitmap.Decode(lossOnly.Finish().LossPlotPath);
        Assert.Equal(3 * withoutEvaluations.Height, withEvaluations.Height);
        Assert.Equal(withoutEvaluations.Width, withEvaluations.Width);
    }

    public void Dispose() => _folder.Dispose();

    private RunJournal NewJournal(string name = "run") =>
        new(_folder.File(name), new ProgressBar(new StringWriter(), interactive: false, "train"));

    private static EvaluationCompleted Evaluation(long step, params (string Name, double Value)[] metrics) =>
        new(step, $"samples/step-{step:D8}.png", metrics.ToDictionary(m => m.Name, m => m.Value), "fid",
            "inception-v3-fid-299px-w01234567", "akka.tcp://orchestrator@127.0.0.1:4055");
}
