using Orchestrator.Core.RunSpec;

namespace Orchestrator.Core.Tests.RunSpec;

public sealed class RunSpecWriterTests
{
    [Fact]
    public void Written_yaml_reads_back_to_the_same_spec()
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.Full, "full.yaml");

        var yaml = RunSpecWriter.ToYaml(spec);
        var again = RunSpecLoader.Parse(yaml, "written.yaml");

        Assert.Equal(yaml, RunSpecWriter.ToYaml(again));
        Assert.Equal(2.5e-4, again.Train.Optimizer.Lr);
        Assert.Equal("TEXT", again.Data.Train[0].Columns.Caption);
        Assert.Equal(48, again.Data.Synthetic!.ImageSize);
        Assert.Equal(["a red square", "a blue circle"], again.Eval.Prompts);
    }

    [Fact]
    public void Strings_that_look_like_other_types_stay_strings()
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.With("run: { name: \"true\" }\neval: { prompts: [\"1\", \"a \\\"quoted\\\" cat\", \"\"] }"), "strings.yaml");

        var again = RunSpecLoader.Parse(RunSpecWriter.ToYaml(spec), "written.yaml");

        Assert.Equal("true", again.Run.Name);
        Assert.Equal(["1", "a \"quoted\" cat", ""], again.Eval.Prompts);
    }
}
