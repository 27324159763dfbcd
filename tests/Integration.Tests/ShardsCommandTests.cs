using Orchestrator.DataLoader.Shards;
using SkiaSharp;

namespace Orchestrator.Integration.Tests;

[Collection("processes")]
public sealed class ShardsCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Inspect_describes_the_shards_that_make_wrote()
    {
        using var run = new TinyRun();
        var make = await OrchestratorProcess.RunAsync(run.Directory, Limit, "shards", "make", "--config", run.SpecPath);
        Assert.True(make.ExitCode == 0, make.Output + make.Error);

        var inspect = await OrchestratorProcess.RunAsync(run.Directory, Limit, "shards", "inspect", "shards/train", "shards/validation/*.parquet");

        Assert.True(inspect.ExitCode == 0, inspect.Output + inspect.Error);
        Assert.Contains("32 rows in 2 row groups (16-16 rows per group)", inspect.Output);
        Assert.Contains("img2dataset columns: all present (key, caption, jpg, width, height, status)", inspect.Output);
        Assert.Contains("schema: key string, caption string?, jpg binary?", inspect.Output);
        Assert.Contains("total: 3 shards, 80 rows in 5 row groups", inspect.Output);
    }

    [Fact]
    public async Task Verify_lists_a_garbage_row_with_exit_code_1_and_an_unreadable_shard_with_exit_code_2()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        ShardRow[] rows = [.. Enumerable.Range(0, 4).Select(i => Row(i, Png(16 + i)))];
        rows[2] = rows[2] with { Image = [0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45] };
        await ShardWriter.WriteAsync(shard, rows, rowGroupSize: 2);

        var bad = await OrchestratorProcess.RunAsync(folder.Path, Limit, "shards", "verify", shard, "--image-size", "16");

        Assert.True(bad.ExitCode == 1, bad.Output + bad.Error);
        Assert.Contains($"{shard} 2 Undecodable", bad.Output);
        Assert.Contains("verified 1 shards, 4 rows: 3 usable, 1 bad (Undecodable 1)", bad.Output);

        string damaged = folder.File("00001.parquet");
        await File.WriteAllTextAsync(damaged, "not parquet");
        var unreadable = await OrchestratorProcess.RunAsync(folder.Path, Limit, "shards", "verify", folder.Path);

        Assert.True(unreadable.ExitCode == 2, unreadable.Output + unreadable.Error);
        Assert.Contains($"unreadable shard {damaged}: cannot read the Parquet footer", unreadable.Output);
        Assert.Contains("verified 1 shards, 4 rows", unreadable.Output);
    }

    [Fact]
    public async Task Import_of_captioned_pngs_gives_shards_that_verify_clean()
    {
        using var folder = new TemporaryFolder();
        string images = folder.File("images");
        Directory.CreateDirectory(images);
        for (int i = 0; i < 3; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(images, $"p{i}.png"), Png(20 + i));
            await File.WriteAllTextAsync(Path.Combine(images, $"p{i}.txt"), $"picture number {i}");
        }

        await File.WriteAllBytesAsync(Path.Combine(images, "uncaptioned.png"), Png(20));

        var import = await OrchestratorProcess.RunAsync(
            folder.Path, Limit, "shards", "import", "--images", "images", "--out", "shards", "--rows-per-shard", "2", "--row-group-size", "1");

        Assert.True(import.ExitCode == 0, import.Output + import.Error);
        Assert.Contains("skipped uncaptioned.png NoCaption", import.Output);
        Assert.Contains("imported 3 images into 2 shards", import.Output);

        var verify = await OrchestratorProcess.RunAsync(folder.Path, Limit, "shards", "verify", "shards", "--image-size", "16");

        Assert.True(verify.ExitCode == 0, verify.Output + verify.Error);
        Assert.Contains("verified 2 shards, 3 rows: 3 usable, 0 bad", verify.Output);

        var again = await OrchestratorProcess.RunAsync(folder.Path, Limit, "shards", "import", "--images", "images", "--out", "shards");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds .parquet files", again.Error);
    }

    private static ShardRow Row(int index, byte[] image) =>
        new($"{index:D9}", $"caption {index}", image) { Width = 16, Height = 16 };

    private static byte[] Png(int side)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(new SKColor(40, 80, (byte)(side * 5)));
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
