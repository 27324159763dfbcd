using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class ShardVerifierTests
{
    [Fact]
    public async Task Every_bad_row_is_counted_by_reason_and_listed_with_its_shard_and_row()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("00000.parquet");
        ShardRow[] rows =
        [
            ShardFiles.Row(0),
            ShardFiles.Row(1) with { Image = [1, 2, 3, 4] },
            ShardFiles.Row(2) with { Caption = "  " },
            ShardFiles.Row(3) with { Image = null },
            ShardFiles.Row(4) with { Image = TestImages.Jpeg(4, 4) },
            ShardFiles.Row(5),
        ];
        await ShardWriter.WriteAsync(path, rows, rowGroupSize: 4);
        var progress = new List<long>();

        ShardVerification result = await ShardVerifier.VerifyAsync(
            [folder.Path], new ColumnMap(), imageSize: 16, progress: (done, _) => progress.Add(done));

        Assert.Equal((6L, 2L, 4L), (result.Rows, result.UsableRows, result.BadRows));
        Assert.Equal(1, result.Count(RowSkipReason.Undecodable));
        Assert.Equal(1, result.Count(RowSkipReason.EmptyCaption));
        Assert.Equal(1, result.Count(RowSkipReason.MissingImage));
        Assert.Equal(1, result.Count(RowSkipReason.ImageTooSmall));
        Assert.Equal([1L, 2, 3, 4], result.Listed.Select(r => r.Row));
        Assert.Equal($"{path} 1 Undecodable", result.Listed[0].ToString());
        Assert.Equal([4L, 6], progress);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task Clean_shards_verify_with_exit_code_zero()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 5, rowGroupSize: 2);

        ShardVerification result = await ShardVerifier.VerifyAsync([folder.Path], new ColumnMap(), imageSize: 16);

        Assert.Equal((5L, 0L, 0), (result.UsableRows, result.BadRows, result.ExitCode));
        Assert.Contains("verified 1 shards, 5 rows: 5 usable, 0 bad", result.Describe().Last());
    }

    [Fact]
    public async Task The_listing_is_capped_and_the_rest_counted()
    {
        using var folder = new TemporaryFolder();
        await ShardWriter.WriteAsync(
            folder.File("00000.parquet"), [.. Enumerable.Range(0, 7).Select(i => ShardFiles.Row(i) with { Image = null })], 7);

        ShardVerification result = await ShardVerifier.VerifyAsync([folder.Path], new ColumnMap(), imageSize: 16, listLimit: 3);

        Assert.Equal(3, result.Listed.Count);
        Assert.Equal(4, result.Unlisted);
        Assert.Contains("... 4 more", result.Describe());
    }

    [Fact]
    public async Task An_unreadable_shard_is_named_and_the_others_are_still_verified()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 3, rowGroupSize: 3);
        await File.WriteAllTextAsync(folder.File("00001.parquet"), "garbage");

        ShardVerification result = await ShardVerifier.VerifyAsync([folder.Path], new ColumnMap(), imageSize: 16);

        Assert.Equal((1, 3L, 3L), (result.Shards, result.Rows, result.UsableRows));
        ShardProblem problem = Assert.Single(result.Problems);
        Assert.Equal(folder.File("00001.parquet"), problem.Path);
        Assert.Contains("cannot read the Parquet footer", problem.Reason);
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task A_missing_image_column_makes_the_shard_unreadable()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 2, rowGroupSize: 2);

        ShardVerification result = await ShardVerifier.VerifyAsync(
            [folder.Path], new ColumnMap { Image = "png" }, imageSize: 16);

        Assert.Contains("missing column 'png'", Assert.Single(result.Problems).Reason);
        Assert.Equal(2, result.ExitCode);
    }
}
