using Orchestrator.Core.RunSpec;

namespace Orchestrator.DataLoader.Tests.Filtering;

public sealed class FilterSpecTests
{
    [Fact]
    public void Filters_columns_and_weights_are_read_from_the_run_spec()
    {
        const string Yaml = """
            train: { steps: 10 }
            data:
              train:
                - shards: data/laion
                  weight: 3
                  columns: { caption: TEXT, width: WIDTH, aesthetic_score: aesthetic }
                  filters: { min_width: 256, min_height: 128, status: success, min_similarity: 0.28, max_punsafe: 0.1, max_pwatermark: 0.8, min_aesthetic: 5.5 }
                - shards: data/cc
            """;

        RunSpec spec = RunSpecLoader.Parse(Yaml, "spec.yaml");

        DatasetSource laion = spec.Data.Train[0];
        Assert.Equal(3, laion.Weight);
        Assert.Equal(new ColumnMap { Caption = "TEXT", Width = "WIDTH", AestheticScore = "aesthetic" }, laion.Columns);
        Assert.Equal(
            new DatasetFilters { MinWidth = 256, MinHeight = 128, Status = "success", MinSimilarity = 0.28, MaxPunsafe = 0.1, MaxPwatermark = 0.8, MinAesthetic = 5.5 },
            laion.Filters);
        Assert.Equal(new DatasetFilters(), spec.Data.Train[1].Filters);
        Assert.Equal(1, spec.Data.Train[1].Weight);
    }

    [Fact]
    public void A_non_positive_minimum_width_is_a_spec_error_naming_the_key()
    {
        const string Yaml = """
            train: { steps: 10 }
            data:
              train:
                - shards: data/laion
                  filters: { min_width: 0 }
            """;

        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(Yaml, "spec.yaml"));

        Assert.Contains("data.train[0].filters.min_width", e.Message, StringComparison.Ordinal);
    }
}
