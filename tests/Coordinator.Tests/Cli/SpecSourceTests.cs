using Orchestrator.Coordinator.Cli;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Cli;

public sealed class SpecSourceTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void The_embedded_quickstart_parses_and_validates()
    {
        var (spec, text, source) = SpecSource.Load(null);

        Assert.Equal("examples/quickstart.yaml (embedded)", source);
        Assert.Equal("quickstart", spec.Run.Name);
        Assert.Equal(2, spec.Cluster.WorkersPerNode);
        Assert.True(spec.Train.Steps > 0);
        Assert.NotNull(spec.Data.Synthetic);
        Assert.Contains("name: quickstart", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_embedded_quickstart_is_the_text_of_examples_quickstart_yaml()
    {
        string repository = RepositoryRoot();

        var (_, text, _) = SpecSource.Load(null);

        Assert.Equal(File.ReadAllText(Path.Combine(repository, "examples", "quickstart.yaml")), text);
    }

    [Fact]
    public void A_config_file_is_read_verbatim_and_named_as_the_source()
    {
        var (_, quickstart, _) = SpecSource.Load(null);
        string path = _folder.File("run.yaml");
        File.WriteAllText(path, quickstart.Replace("name: quickstart", "name: from-file", StringComparison.Ordinal));

        var (spec, text, source) = SpecSource.Load(path);

        Assert.Equal("from-file", spec.Run.Name);
        Assert.Equal(File.ReadAllText(path), text);
        Assert.Equal(path, source);
    }

    [Fact]
    public void A_missing_config_file_is_an_error_naming_the_path()
    {
        string path = _folder.File("missing.yaml");

        var error = Assert.Throws<RunSpecException>(() => SpecSource.Load(path));

        Assert.Equal($"{path}: run spec file not found", error.Message);
    }

    [Fact]
    public void An_invalid_config_file_is_an_error_naming_the_file_and_the_key()
    {
        string path = _folder.File("bad.yaml");
        File.WriteAllText(path, "train:\n  global_batch: -4\n");

        var error = Assert.Throws<RunSpecException>(() => SpecSource.Load(path));

        Assert.Contains(error.Errors, e => e.Contains(path, StringComparison.Ordinal) && e.Contains("train.global_batch", StringComparison.Ordinal));
    }

    [Fact]
    public void With_steps_sets_the_steps_clears_the_epochs_and_keeps_the_rest()
    {
        var spec = new RunSpec
        {
            Run = new RunSection { Name = "epochs-run" },
            Train = new TrainSection { GlobalBatch = 16, MicroBatch = 4, Steps = 0, Epochs = 3 },
        };

        var changed = spec.WithSteps(25);

        Assert.Equal(25, changed.Train.Steps);
        Assert.Equal(0, changed.Train.Epochs);
        Assert.Equal(16, changed.Train.GlobalBatch);
        Assert.Equal(4, changed.Train.MicroBatch);
        Assert.Same(spec.Run, changed.Run);
        Assert.Equal(0, spec.Train.Steps);
        Assert.Equal(3, spec.Train.Epochs);
    }

    public void Dispose() => _folder.Dispose();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orchestrator.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Orchestrator.sln above {AppContext.BaseDirectory}");
    }
}
