using Orchestrator.Evaluator.Metrics;

namespace Orchestrator.Evaluator.Tests.Metrics;

public sealed class FeatureStatisticsFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Saved_statistics_load_back_identical()
    {
        var original = FeatureStatistics.FromFeatures(
            new double[,] { { 1, 2, 3 }, { 4, 6, 5 }, { 0.5, -1, 2 }, { 9, 1e-300, 7 } }, "random-conv-3-seed0-64px");
        string path = _folder.File("reference.stats");

        original.Save(path);
        var loaded = FeatureStatistics.Load(path);

        Assert.Equal(original.Count, loaded.Count);
        Assert.Equal(original.Extractor, loaded.Extractor);
        Assert.Equal(original.Mean.ToArray(), loaded.Mean.ToArray());
        Assert.Equal(FrechetDistanceTests.Covariance(original), FrechetDistanceTests.Covariance(loaded));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void File_of_another_kind_is_rejected_by_name()
    {
        string path = _folder.File("image.png");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        var error = Assert.Throws<InvalidDataException>(() => FeatureStatistics.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a feature statistics file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_file_is_rejected_by_name()
    {
        string path = _folder.File("cut.stats");
        FrechetDistanceTests.RandomStatistics(rows: 10, dimension: 8, seed: 1).Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^9]);

        var error = Assert.Throws<InvalidDataException>(() => FeatureStatistics.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_cut_inside_header_is_rejected_by_name()
    {
        string path = _folder.File("header.stats");
        FrechetDistanceTests.RandomStatistics(rows: 10, dimension: 8, seed: 1).Save(path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..14]);

        var error = Assert.Throws<InvalidDataException>(() => FeatureStatistics.Load(path));

        Assert.Contains($"{path}: file ends inside the header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_format_version_is_rejected()
    {
        string path = _folder.File("future.stats");
        FrechetDistanceTests.RandomStatistics(rows: 10, dimension: 2, seed: 1).Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = 99;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => FeatureStatistics.Load(path));

        Assert.Contains("format version 99", error.Message, StringComparison.Ordinal);
    }
}
