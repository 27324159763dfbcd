using Orchestrator.Coordinator.Console;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Video;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orchestrator shards make|inspect|verify|import`: writes, describes, checks and imports caption-image shards.</summary>
public static class ShardsCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "config" };

    /// <summary>`shards make --video`: caption-video clips (data.synthetic.video, or its defaults) instead of images.</summary>
    public static readonly IReadOnlySet<string> MakeFlags = new HashSet<string> { "video" };

    private const int ListLimit = 50;

    private static readonly IReadOnlySet<string> VerifyOptions = new HashSet<string> { "image-column", "caption-column", "image-size" };

    private static readonly IReadOnlySet<string> ImportOptions = new HashSet<string> { "images", "out", "rows-per-shard", "row-group-size", "captions" };

    /// <summary>`shards inspect PATH...`: schema, rows, row groups, size, img2dataset columns and first captions of each shard.</summary>
    public static async Task<int> InspectAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        (IReadOnlyList<string> paths, _) = Split(args, new HashSet<string>());
        var problems = new List<ShardProblem>();
        var shards = new List<ShardInspection>();
        foreach (string file in ShardPaths.Resolve(paths, problems))
        {
            try
            {
                ShardInspection shard = await ShardInspection.InspectAsync(file, null, cancellationToken);
                shards.Add(shard);
                foreach (string line in shard.Describe())
                {
                    System.Console.WriteLine(line);
                }
            }
            catch (ShardException e)
            {
                problems.Add(new ShardProblem(e.ShardPath, e.Reason));
            }
        }

        System.Console.WriteLine(ShardInspection.DescribeTotals(shards));
        problems.ForEach(p => System.Console.Error.WriteLine($"error: unreadable shard {p}"));
        return problems.Count > 0 ? 2 : 0;
    }

    /// <summary>`shards verify PATH...`: decodes every row; exit 0 all usable, 1 some rows bad, 2 a shard unreadable.</summary>
    public static async Task<int> VerifyAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        (IReadOnlyList<string> paths, CommandLine options) = Split(args, VerifyOptions);
        var columns = new ColumnMap
        {
            Image = options.Value("image-column") ?? "jpg",
            Caption = options.Value("caption-column") ?? "caption",
        };
        int imageSize = options.PositiveInt("image-size") ?? 64;
        var bar = ProgressBar.ForConsole("verify", enabled: true);
        ShardVerification result = await ShardVerifier.VerifyAsync(
            paths,
            columns,
            imageSize,
            ListLimit,
            (done, total) => bar.Report(done, total, "rows"),
            cancellationToken);
        foreach (string line in result.Describe())
        {
            System.Console.WriteLine(line);
        }

        return result.ExitCode;
    }

    /// <summary>`shards import --images DIR --out DIR`: captioned image files to img2dataset-layout shards.</summary>
    public static async Task<int> ImportAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        CommandLine options = CommandLine.Parse(args, 2, ImportOptions, new HashSet<string>());
        string images = options.Value("images") ?? throw new CommandLineException("shards import needs --images DIR");
        string output = options.Value("out") ?? throw new CommandLineException("shards import needs --out DIR");
        CaptionTable? captions = options.Value("captions") is { } table ? CaptionTable.Load(table) : null;
        ImportPlan plan = ImageFolderImport.Plan(images, captions);
        var bar = ProgressBar.ForConsole("import", enabled: true);
        ImportResult result = await ImageFolderImport.WriteAsync(
            plan,
            output,
            options.PositiveInt("rows-per-shard") ?? 1000,
            options.PositiveInt("row-group-size") ?? 100,
            (done, total) => bar.Report(done, total, "images"),
            cancellationToken);
        foreach (ImportSkip skip in result.Skipped.Take(ListLimit))
        {
            System.Console.WriteLine($"skipped {skip}");
        }

        if (result.Skipped.Count > ListLimit)
        {
            System.Console.WriteLine($"... {result.Skipped.Count - ListLimit} more skipped");
        }

        string reasons = string.Join(", ", result.Skipped.GroupBy(s => s.Reason).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        System.Console.WriteLine(
            $"imported {result.Rows} images into {result.Shards.Count} shards in {Path.GetFullPath(output)}; " +
            $"skipped {result.Skipped.Count}{(reasons.Length > 0 ? $" ({reasons})" : "")}");
        return result.Rows > 0 ? 0 : 1;
    }

    public static async Task<int> MakeAsync(CommandLine command, CancellationToken cancellationToken)
    {
        var (spec, _, source) = SpecSource.Load(command.Value("config"));
        var synthetic = spec.Data.Synthetic
            ?? throw new RunSpecException([$"{source}: data.synthetic: is not set; expected the synthetic dataset to make"]);
        if (command.Has("video"))
        {
            synthetic = synthetic with { Video = synthetic.Video ?? new SyntheticVideoSection() };
        }
        await MakeSyntheticAsync(synthetic, spec.Telemetry.Progress, cancellationToken);
        return 0;
    }

    /// <summary>Writes the synthetic shards (images, or clips when data.synthetic.video is set) unless they are already complete, with a progress bar.</summary>
    public static async Task MakeSyntheticAsync(SyntheticDataSection synthetic, bool progress, CancellationToken cancellationToken)
    {
        var bar = ProgressBar.ForConsole("shards", progress);
        void Report(long done, long total) => bar.Report(done, total, "rows");
        var set = synthetic.Video is null
            ? await SyntheticShardMaker.MakeAsync(synthetic, Report, cancellationToken)
            : await SyntheticVideoShardMaker.MakeAsync(synthetic, Report, cancellationToken);
        System.Console.WriteLine(
            $"synthetic {(synthetic.Video is null ? "caption-image" : "caption-video")} dataset: {set.TrainShards.Count} train and " +
            $"{set.ValidationShards.Count} validation shards {(set.Created ? "written" : "already there")}");
    }

    // The shard paths are the words after the verb that are neither an option nor an option's value.
    private static (IReadOnlyList<string> Paths, CommandLine Options) Split(IReadOnlyList<string> args, IReadOnlySet<string> valueOptions)
    {
        var command = CommandLine.Parse(args, 2, valueOptions, new HashSet<string>(), allowPositional: true);
        return command.Positional.Count > 0
            ? (command.Positional, command)
            : throw new CommandLineException($"'{string.Join(' ', args.Take(2))}' needs at least one shard path (a .parquet file, a folder or a glob)");
    }
}
