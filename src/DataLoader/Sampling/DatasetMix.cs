namespace Orchestrator.DataLoader.Sampling;

/// <summary>
/// Which dataset each position of each global step draws from, and which of that dataset's samples
/// it is: a pure function of the global step, so that neither a resume nor the world size changes it.
/// </summary>
/// <remarks>
/// Step s gives dataset d a quota q_d(s) of its B positions: floor(B*w_d) plus one of the
/// R = B - sum floor(B*w_d) leftover positions with probability frac(B*w_d) (w normalised weights),
/// by systematic sampling with one seeded offset u in [0, 1) per step (Madow, 1949): d gets the
/// points u, u+1, ..., u+R-1 that fall in its stretch of the cumulative fractional parts. So the
/// expected share of d is exactly w_d, every step holds B samples, and a step's quotas need no
/// other step. The positions of a step are dealt to the datasets by a seeded shuffle of the quota
/// labels. Dataset d's cursor at step s, the number of its samples taken by steps 0..s-1, is
/// sum over t &lt; s of q_d(t): O(s * datasets) to compute from scratch, kept for the last step asked
/// so that consecutive steps cost O(datasets), and saved every 4096 steps so that going back costs little. A single dataset takes every position: its cursor is s*B.
/// </remarks>
internal sealed class DatasetMix
{
    private const ulong QuotaStream = 0x51A7;
    private const ulong LabelStream = 0x1ABE;
    private const int CachedSteps = 4;
    private const long CheckpointEvery = 4096;

    private readonly ulong _seed;
    private readonly int _globalBatch;
    private readonly int[] _floors;
    private readonly double[] _fractionEnds;
    private readonly int _leftover;
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Step, StepLayout Layout)> _layouts = new();
    private long _cursorStep;
    private long[] _cursors;

    // _checkpoints[k]: the cursors at step k*CheckpointEvery, saved as the walk passes them.
    private readonly List<long[]> _checkpoints = [];

    public DatasetMix(IReadOnlyList<double> weights, int globalBatch, ulong seed)
    {
        _seed = seed;
        _globalBatch = globalBatch;
        double total = weights.Sum();
        int d = weights.Count;
        _floors = new int[d];
        _fractionEnds = new double[d];
        var shares = weights.Select(w => globalBatch * w / total).ToArray();
        for (int i = 0; i < d; i++)
        {
            _floors[i] = (int)Math.Floor(shares[i]);
        }

        _leftover = globalBatch - _floors.Sum();

        // The fractional parts add up to the whole number of leftover positions; rounding must not say otherwise.
        double cumulative = 0;
        for (int i = 0; i < d; i++)
        {
            cumulative += shares[i] - _floors[i];
            _fractionEnds[i] = i == d - 1 ? _leftover : Math.Min(cumulative, _leftover);
        }

        _cursors = new long[d];
        _checkpoints.Add(new long[d]);
    }

    public int DatasetCount => _floors.Length;

    /// <summary>The dataset of position <paramref name="position"/> of step <paramref name="step"/>, and that dataset's sample number (its cursor).</summary>
    public (int Dataset, long Number) At(long step, int position)
    {
        if (_floors.Length == 1)
        {
            return (0, (step * _globalBatch) + position);
        }

        lock (_lock)
        {
            StepLayout layout = Layout(step);
            int dataset = layout.Datasets[position];
            return (dataset, layout.FirstNumbers[dataset] + layout.Ranks[position]);
        }
    }

    /// <summary>Positions of each dataset in step <paramref name="step"/>.</summary>
    public int[] Quotas(long step)
    {
        int[] quotas = new int[_floors.Length];
        double u = new SplitMix64(SplitMix64.Combine(SplitMix64.Combine(_seed, QuotaStream), (ulong)step)).NextDouble();
        double previousEnd = 0;
        for (int d = 0; d < quotas.Length; d++)
        {
            // Points u + j (j = 0..R-1) in [previousEnd, end): ceil(end - u) - ceil(previousEnd - u).
            int extra = (int)(Math.Ceiling(_fractionEnds[d] - u) - Math.Ceiling(previousEnd - u));
            quotas[d] = _floors[d] + extra;
            previousEnd = _fractionEnds[d];
        }

        return quotas;
    }

    private StepLayout Layout(long step)
    {
        for (var node = _layouts.First; node is not null; node = node.Next)
        {
            if (node.Value.Step == step)
            {
                return node.Value.Layout;
            }
        }

        int[] quotas = Quotas(step);
        var datasets = new int[_globalBatch];
        int at = 0;
        for (int d = 0; d < quotas.Length; d++)
        {
            for (int k = 0; k < quotas[d]; k++)
            {
                datasets[at++] = d;
            }
        }

        // Fisher-Yates (Knuth, TAOCP vol. 2, Algorithm P) over the labels, seeded per step.
        var random = new SplitMix64(SplitMix64.Combine(SplitMix64.Combine(_seed, LabelStream), (ulong)step));
        for (int i = datasets.Length - 1; i > 0; i--)
        {
            int j = (int)random.NextBelow((ulong)(i + 1));
            (datasets[i], datasets[j]) = (datasets[j], datasets[i]);
        }

        var ranks = new int[_globalBatch];
        var seen = new int[quotas.Length];
        for (int p = 0; p < datasets.Length; p++)
        {
            ranks[p] = seen[datasets[p]]++;
        }

        var layout = new StepLayout(datasets, ranks, CursorsAt(step));
        _layouts.AddFirst((step, layout));
        if (_layouts.Count > CachedSteps)
        {
            _layouts.RemoveLast();
        }

        return layout;
    }

    private long[] CursorsAt(long step)
    {
        if (step < _cursorStep)
        {
            // Back from the nearest saved cursors at or before the step, not from step 0.
            int saved = (int)Math.Min(step / CheckpointEvery, _checkpoints.Count - 1);
            _cursorStep = saved * CheckpointEvery;
            _cursors = (long[])_checkpoints[saved].Clone();
        }

        for (; _cursorStep < step; _cursorStep++)
        {
            int[] quotas = Quotas(_cursorStep);
            for (int d = 0; d < quotas.Length; d++)
            {
                _cursors[d] += quotas[d];
            }

            if ((_cursorStep + 1) % CheckpointEvery == 0 && (_cursorStep + 1) / CheckpointEvery == _checkpoints.Count)
            {
                _checkpoints.Add((long[])_cursors.Clone());
            }
        }

        return (long[])_cursors.Clone();
    }

    private sealed record StepLayout(int[] Datasets, int[] Ranks, long[] FirstNumbers);
}
