using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;
using Parquet;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class SyntheticShardMakerTests
{
    private static readonly string[] Img2datasetColumns =
    [
        "key", "caption", "jpg", "width", "height", "original_width", "original_height",
        "status", "error_message", "sha256", "url",
    ];

    [Fact]
    public async Task Make_writes_readable_shards_in_the_img2dataset_layout()
    {
        using var folder = new TemporaryFolder();
        SyntheticDataSection spec = Spec(folder);
        var progress = new List<(long Done, long Total)>();

        SyntheticShardSet set = await SyntheticShardMaker.MakeAsync(spec, (done, total) => progress.Add((done, total)));

        Assert.True(set.Created);
        Assert.Equal(3, set.TrainShards.Count);
        Assert.Single(set.ValidationShards);
        Assert.Equal((60L, 60L), progress[^1]);
        Assert.True(File.Exists(Path.Combine(spec.TrainDir, SyntheticSetWriter.MarkerName)));

        await using (ParquetReader reader = await ParquetReader.CreateAsync(set.TrainShards[0], null, default))
        {
            Assert.Equal(Img2datasetColumns, reader.Schema.Fields.Select(f => f.Name));
            Assert.Equal([8L, 8, 4], reader.Metadata!.RowGroups.Select(g => g.NumRows));
            var group = reader.OpenRowGroupReader(0);
            var status = new string?[8];
            await group.ReadAsync(reader.Schema.DataFields[7], status.AsMemory(), null, default);
            Assert.All(status, s => Assert.Equal("success", s));
        }

        ShardCatalog train = await ShardCatalog.OpenAsync([new DatasetSource { Shards = spec.TrainDir }]);
        ShardCatalog validation = await ShardCatalog.OpenAsync([new DatasetSource { Shards = spec.ValidationDir }]);
        Assert.Equal(50, train.TotalRows);
        Assert.Equal(10, validation.TotalRows);
    }

    [Fact]
    public async Task Validation_rows_are_held_out_from_training()
    {
        using var folder = new TemporaryFolder();
        SyntheticDataSection spec = Spec(folder);
        await SyntheticShardMaker.MakeAsync(spec);

        string[] trainKeys = await KeysAsync(spec.TrainDir);
        string[] validationKeys = await KeysAsync(spec.ValidationDir);

        Assert.Equal(50, trainKeys.Distinct().Count());
        Assert.Equal(10, validationKeys.Length);
        Assert.Empty(trainKeys.Intersect(validationKeys));
    }

    [Fact]
    public async Task A_second_make_is_a_no_op()
    {
        using var folder = new TemporaryFolder();
        SyntheticDataSection spec = Spec(folder);
        SyntheticShardSet first = await SyntheticShardMaker.MakeAsync(spec);
        DateTime[] written = [.. first.TrainShards.Concat(first.ValidationShards).Select(File.GetLastWriteTimeUtc)];
        File.SetLastWriteTimeUtc(first.TrainShards[0], written[0].AddMinutes(-5));

        SyntheticShardSet second = await SyntheticShardMaker.MakeAsync(spec);

        Assert.False(second.Created);
        Assert.Equal(first.TrainShards, second.TrainShards);
        Assert.Equal(written[0].AddMinutes(-5), File.GetLastWriteTimeUtc(first.TrainShards[0]));
    }

    [Fact]
    public async Task Make_is_deterministic()
    {
        using var one = new TemporaryFolder();
        using var two = new TemporaryFolder();

        SyntheticShardSet a = await SyntheticShardMaker.MakeAsync(Spec(one));
        SyntheticShardSet b = await SyntheticShardMaker.MakeAsync(Spec(two));

        Assert.Equal(await File.ReadAllBytesAsync(a.TrainShards[1]), await File.ReadAllBytesAsync(b.TrainShards[1]));
    }

    [Fact]
    public async Task A_folder_holding_a_different_set_is_an_error()
    {
        using var folder = new TemporaryFolder();
        await SyntheticShardMaker.MakeAsync(Spec(folder));
        SyntheticDataSection other = new()
        {
            TrainDir = Spec(folder).TrainDir,
            ValidationDir = Spec(folder).ValidationDir,
            TrainRows = 50,
            ValidationRows = 10,
            RowsPerShard = 20,
            RowGroupSize = 8,
            ImageSize = 16,
            Seed = 99,
        };

        var e = await Assert.ThrowsAsync<ShardException>(() => SyntheticShardMaker.MakeAsync(other));

        Assert.Contains(other.TrainDir, e.Message, StringComparison.Ordinal);
        Assert.Contains("different synthetic set", e.Message, StringComparison.Ordinal);
    }

    private static SyntheticDataSection Spec(TemporaryFolder folder) => new()
    {
        TrainDir = folder.File("train"),
        ValidationDir = folder.File("validation"),
        TrainRows = 50,
        ValidationRows = 10,
        RowsPerShard = 20,
        RowGroupSize = 8,
        ImageSize = 16,
        Seed = 5,
    };

    private static async Task<string[]> KeysAsync(string folder)
    {
        var keys = new List<string>();
        foreach (string file in Directory.GetFiles(folder, "*.parquet"))
        {
            await using ParquetReader reader = await ParquetReader.CreateAsync(file, null, default);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                var group = reader.OpenRowGroupReader(g);
                var values = new string?[group.RowCount];
                await group.ReadAsync(reader.Schema.DataFields[0], values.AsMemory(), null, default);
                keys.AddRange(values!);
            }
        }

        return [.. keys];
    }
}
