namespace Orchestrator.Coordinator.Console;

/// <summary>
/// A one-line live progress bar (step, loss, samples/s, ETA) redrawn in place on a terminal; when the
/// output is redirected (CI logs) it prints a plain line every few percent instead.
/// </summary>
public sealed class ProgressBar(TextWriter? output, bool interactive, string label)
{
    private const int Width = 28;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _lastPercentPrinted = int.MinValue;
    private long _lastDone;

    /// <summary>A bar on standard output; when <paramref name="enabled"/> is false (telemetry.progress) it prints nothing.</summary>
    public static ProgressBar ForConsole(string label, bool enabled = true) =>
        new(enabled ? System.Console.Out : null, !System.Console.IsOutputRedirected, label);

    /// <summary>
    /// Shows <paramref name="done"/> of <paramref name="total"/> with the rate measured by the bar itself
    /// since the pass began; a count that goes back (a new evaluation, say) starts a new pass.
    /// </summary>
    public void Report(long done, long total, string detail)
    {
        if (done < _lastDone)
        {
            _clock.Restart();
        }
        _lastDone = done;
        Report(done, total, detail, done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3));
    }

    /// <summary>Shows <paramref name="done"/> of <paramref name="total"/> with a free-form detail and an ETA from the given rate.</summary>
    public void Report(long done, long total, string detail, double ratePerSecond)
    {
        if (output is null)
        {
            return;
        }
        double fraction = total == 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        string eta = ratePerSecond > 0 ? Format(TimeSpan.FromSeconds((total - done) / ratePerSecond)) : "--:--";
        int filled = (int)Math.Round(fraction * Width);
        string line = $"{label} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {detail} ETA {eta}";
        if (interactive)
        {
            output.Write("\r" + line.PadRight(System.Console.WindowWidth > 0 ? Math.Min(System.Console.WindowWidth - 1, 160) : 120));
            if (done >= total)
            {
                output.WriteLine();
            }
            return;
        }
        int percent = (int)(fraction * 100);
        if (percent / 5 != _lastPercentPrinted / 5 || done >= total)
        {
            _lastPercentPrinted = percent;
            output.WriteLine(line);
        }
    }

    /// <summary>A line of its own (an event such as a saved checkpoint), printed above the bar.</summary>
    public void Note(string line)
    {
        if (output is null)
        {
            return;
        }
        output.WriteLine(interactive ? "\r" + line.PadRight(Math.Min(System.Console.WindowWidth > 0 ? System.Console.WindowWidth - 1 : 120, 160)) : line);
    }

    private static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss") : span.ToString(@"mm\:ss");
}
