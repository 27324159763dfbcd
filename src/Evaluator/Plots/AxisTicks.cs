using System.Globalization;

namespace Orchestrator.Evaluator.Plots;

/// <summary>
/// "Nice" axis ranges and tick values: steps of 1, 2 or 5 times a power of ten
/// (Heckbert, "Nice Numbers for Graph Labels", Graphics Gems, 1990).
/// </summary>
internal sealed class AxisTicks
{
    private AxisTicks(double minimum, double maximum, double step)
    {
        Minimum = minimum;
        Maximum = maximum;
        Step = step;
    }

    public double Minimum { get; }

    public double Maximum { get; }

    public double Step { get; }

    /// <summary>Tick values from <see cref="Minimum"/> to <see cref="Maximum"/>, both included.</summary>
    public IEnumerable<double> Values
    {
        get
        {
            long count = (long)Math.Round((Maximum - Minimum) / Step);
            for (long i = 0; i <= count; i++)
                yield return Minimum + i * Step;
        }
    }

    /// <summary>Ticks covering [low, high] with about <paramref name="targetCount"/> intervals.</summary>
    public static AxisTicks Cover(double low, double high, int targetCount = 5)
    {
        if (!(high > low))
        {
            // One value (or none): widen around it so that the axis still has extent.
            double pad = low == 0 ? 1 : Math.Abs(low) * 0.1;
            (low, high) = (low - pad, high + pad);
        }
        double step = NiceNumber((high - low) / targetCount);
        return new AxisTicks(Math.Floor(low / step) * step, Math.Ceiling(high / step) * step, step);
    }

    /// <summary>A tick label with as many decimals as the step needs.</summary>
    public string Format(double value)
    {
        if (Math.Abs(value) < Step * 1e-9)
            value = 0;
        double magnitude = Math.Max(Math.Abs(Minimum), Math.Abs(Maximum));
        if (magnitude >= 1e6 || Step < 1e-4)
            return value.ToString("0.###E+0", CultureInfo.InvariantCulture);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(Step) + 1e-9));
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static double NiceNumber(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }
}
