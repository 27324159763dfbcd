using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class ShardInspectionTests
{
    [Fact]
    public async Task Inspection_gives_schema_row_groups_img2dataset_columns_and_first_captions()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("00000.parquet");
        await ShardFiles.WriteAsync(path, 0, rows: 7, rowGroupSize: 3);

        ShardInspection shard = await ShardInspection.InspectAsync(path);

        Assert.Equal(7, shard.Rows);
        Assert.Equal([3L, 3, 1], shard.RowGroupRows);
        Assert.Equal(new FileInfo(path).Length, shard.FileBytes);
        Assert.Contains(new ShardInspection.Column("jpg", "binary?"), shard.Schema);
        Assert.Contains(new ShardInspection.Column("key", "string"), shard.Schema);
        Assert.Contains(new ShardInspection.Column("width", "int32?"), shard.Schema);
        Assert.Empty(shard.Img2DatasetMissing);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => ShardFiles.Row(i).Caption), shard.FirstCaptions);
        string text = string.Join('\n', shard.Describe());
        Assert.Contains("7 rows in 3 row groups (1-3 rows per group)", text);
        Assert.Contains("img2dataset columns: all present", text);
    }

    [Fact]
    public async Task Totals_add_up_every_shard()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("a.parquet"), 0, rows: 5, rowGroupSize: 5);
        await ShardFiles.WriteAsync(folder.File("b.parquet"), 5, rows: 4, rowGroupSize: 2);
        ShardInspection[] shards =
        [
            await ShardInspection.InspectAsync(folder.File("a.parquet")),
            await ShardInspection.InspectAsync(folder.File("b.parquet")),
        ];

        string totals = ShardInspection.DescribeTotals(shards);

        Assert.StartsWith("total: 2 shards, 9 rows in 3 row groups (2-5 rows per group)", totals);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("junk.parquet");
        await File.WriteAllTextAsync(path, "not a parquet file at all");

        var error = await Assert.ThrowsAsync<ShardException>(() => ShardInspection.InspectAsync(path));

        Assert.Equal(path, error.ShardPath);
        Assert.Contains("cannot read the shard", error.Message);
    }

    [Fact]
    public void Paths_resolve_files_folders_and_globs_and_report_the_missing()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("a.parquet"), "");
        File.WriteAllText(folder.File("b.parquet"), "");
        var problems = new List<ShardProblem>();

        IReadOnlyList<string> files = ShardPaths.Resolve(
            [folder.File("b.parquet"), folder.Path, Path.Combine(folder.Path, "*.parquet"), folder.File("nowhere")], problems);

        Assert.Equal([folder.File("b.parquet"), folder.File("a.parquet")], files);
        Assert.Equal(folder.File("nowhere"), Assert.Single(problems).Path);
    }
}
