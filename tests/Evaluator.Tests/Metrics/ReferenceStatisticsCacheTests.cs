using Orchestrator.Evaluator.Metrics;

namespace Orchestrator.Evaluator.Tests.Metrics;

public sealed class ReferenceStatisticsCacheTests
{
    [Fact]
    public void Second_call_reads_the_cache_without_computing()
    {
        using var folder = new TemporaryFolder();
        var cache = new ReferenceStatisticsCache(folder.File("cache"));
        var key = new ReferenceKey(ReferenceKey.Fingerprint([Shard(folder, "a.parquet", 10)]), "resnet18", 32);
        int computed = 0;

        var first = cache.GetOrCompute(key, () => { computed++; return Statistics("resnet18", 1); });
        var second = cache.GetOrCompute(key, () => { computed++; return Statistics("resnet18", 2); });

        Assert.Equal(1, computed);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Statistics.Mean.ToArray(), second.Statistics.Mean.ToArray());
        Assert.True(File.Exists(first.Path));
    }

    [Fact]
    public void Changed_data_extractor_or_resolution_misses()
    {
        using var folder = new TemporaryFolder();
        var cache = new ReferenceStatisticsCache(folder.File("cache"));
        string shard = Shard(folder, "a.parquet", 10);
        var key = new ReferenceKey(ReferenceKey.Fingerprint([shard]), "resnet18", 32);
        cache.GetOrCompute(key, () => Statistics("resnet18", 1));

        File.AppendAllText(shard, "more rows");
        var changedData = key with { Data = ReferenceKey.Fingerprint([shard]) };
        var added = key with { Data = ReferenceKey.Fingerprint([shard, Shard(folder, "b.parquet", 5)]) };

        Assert.NotEqual(key.Data, changedData.Data);
        Assert.False(cache.GetOrCompute(changedData, () => Statistics("resnet18", 2)).FromCache);
        Assert.False(cache.GetOrCompute(added, () => Statistics("resnet18", 3)).FromCache);
        Assert.False(cache.GetOrCompute(key with { Extractor = "random-conv" }, () => Statistics("random-conv", 4)).FromCache);
        Assert.False(cache.GetOrCompute(key with { Resolution = 64 }, () => Statistics("resnet18", 5)).FromCache);
        Assert.True(cache.GetOrCompute(key, () => Statistics("resnet18", 6)).FromCache);
    }

    [Fact]
    public void Fingerprint_ignores_file_order()
    {
        using var folder = new TemporaryFolder();
        string a = Shard(folder, "a.parquet", 3);
        string b = Shard(folder, "b.parquet", 4);

        Assert.Equal(ReferenceKey.Fingerprint([a, b]), ReferenceKey.Fingerprint([b, a]));
    }

    [Fact]
    public void A_damaged_cache_file_is_recomputed_and_says_so()
    {
        using var folder = new TemporaryFolder();
        var cache = new ReferenceStatisticsCache(folder.File("cache"));
        var key = new ReferenceKey("data", "resnet18", 32);
        var first = cache.GetOrCompute(key, () => Statistics("resnet18", 1));
        File.WriteAllText(first.Path, "not statistics");

        var again = cache.GetOrCompute(key, () => Statistics("resnet18", 1));

        Assert.False(again.FromCache);
        Assert.Contains(first.Path, again.Note, StringComparison.Ordinal);
        Assert.True(cache.GetOrCompute(key, () => Statistics("resnet18", 1)).FromCache);
    }

    [Fact]
    public void A_missing_data_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ReferenceKey.Fingerprint(["/nonexistent/shard.parquet"]));

        Assert.Contains("/nonexistent/shard.parquet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Statistics_of_another_extractor_than_the_key_are_refused()
    {
        using var folder = new TemporaryFolder();
        var cache = new ReferenceStatisticsCache(folder.Path);

        var error = Assert.Throws<InvalidOperationException>(
            () => cache.GetOrCompute(new ReferenceKey("data", "resnet18", 32), () => Statistics("inception", 1)));

        Assert.Contains("inception", error.Message, StringComparison.Ordinal);
    }

    private static string Shard(TemporaryFolder folder, string name, int bytes)
    {
        string path = folder.File(name);
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    private static FeatureStatistics Statistics(string extractor, double offset) =>
        FeatureStatistics.FromFeatures(new double[,] { { offset, 1 }, { 2, offset + 3 }, { 0, 5 } }, extractor);
}
