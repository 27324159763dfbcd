using System.Text.Json;
using System.Xml.Linq;

namespace Orchestrator.Integration.Tests.Deploy;

/// <summary>
/// deploy/Dockerfile and deploy/Dockerfile.cuda, checked without a Docker engine (none can run on these
/// machines): what the files say, and that it agrees with the project they build (docs/deployment.md, "Images").
/// </summary>
public sealed class DockerfileTests
{
    private static readonly string Repository = Path.Combine(AppContext.BaseDirectory, "repository");

    private static readonly string[] Names = ["Dockerfile", "Dockerfile.cuda"];

    public static TheoryData<string> Images => new(Names);

    [Fact]
    public void Every_dockerfile_under_deploy_is_checked_here()
    {
        Assert.Equal(
            Names,
            Directory.GetFiles(Path.Combine(Repository, "deploy"), "Dockerfile*").Select(Path.GetFileName).Order());
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_file_says_it_is_not_built_here(string image)
    {
        Assert.Contains("NOT BUILT HERE", File.ReadAllText(Path.Combine(Repository, "deploy", image)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_final_stage_runs_as_a_user_other_than_root(string image)
    {
        var final = Read(image).Final.ToList();

        var user = Assert.Single(final, i => i.Keyword == "USER").Arguments.Split(':')[0];
        Assert.NotEqual("root", user);
        Assert.True(int.TryParse(user, out int uid) && uid > 0, $"USER {user}: a numeric id lets Kubernetes check runAsNonRoot");
        Assert.Contains(final, i => i.Keyword == "RUN" && i.Arguments.Contains($"useradd --uid {uid}", StringComparison.Ordinal));
        Assert.True(final.IndexOf(final.Single(i => i.Keyword == "USER")) > final.FindLastIndex(i => i.Keyword == "RUN"), "USER after the last RUN");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_final_stage_holds_no_sdk_and_builds_nothing(string image)
    {
        var dockerfile = Read(image);

        Assert.True(dockerfile.Stages.Count >= 2, "a build stage and a final stage");
        Assert.DoesNotContain("dotnet/sdk", Dockerfile.BaseImage(dockerfile.Final), StringComparison.Ordinal);
        Assert.DoesNotContain(dockerfile.Final, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet ", StringComparison.Ordinal));
        Assert.Contains("dotnet/sdk", Dockerfile.BaseImage(dockerfile.Stages[0]), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_entrypoint_is_the_executable_the_build_stage_publishes_for_linux_x64(string image)
    {
        var dockerfile = Read(image);
        var build = dockerfile.Stages[0];
        string[] publish = Assert.Single(build, i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish ", StringComparison.Ordinal))
            .Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string project = publish[2];
        string output = publish[Array.IndexOf(publish, "-o") + 1];
        Assert.Equal("linux-x64", publish[Array.IndexOf(publish, "-r") + 1]);
        Assert.Equal("true", publish[Array.IndexOf(publish, "--self-contained") + 1]);

        // The published executable is named by the project's AssemblyName; this test's own output holds it too.
        string assembly = XDocument.Load(Path.Combine(Repository, project, $"{Path.GetFileName(project)}.csproj"))
            .Descendants("AssemblyName").Single().Value;
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, $"{assembly}.dll")), $"{assembly}.dll is what {project} builds");
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(dockerfile.Final, i => i.Keyword == "ENTRYPOINT").Arguments)!;
        Assert.Equal($"/app/{assembly}", entrypoint[0]);
        Assert.Contains(dockerfile.Final, i => i.Keyword == "COPY" && i.Arguments == $"--from={Dockerfile.StageName(build)} {output} /app");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_torchsharp_patch_is_decided_by_the_final_stage_libstdcxx_and_ffmpeg_is_installed(string image)
    {
        var dockerfile = Read(image);
        var build = dockerfile.Stages[0];

        string finalBase = Dockerfile.BaseImage(dockerfile.Final);
        var copy = Assert.Single(build, i => i.Keyword == "COPY" && i.Arguments.StartsWith($"--from={finalBase} ", StringComparison.Ordinal));
        string runtimeLibrary = copy.Arguments.Split(' ')[^1];
        Assert.EndsWith("/libstdc++.so.6", copy.Arguments.Split(' ')[1], StringComparison.Ordinal);
        Assert.Contains(build, i => i.Keyword == "RUN" && i.Arguments.Contains($"-p:RuntimeLibStdCxx={runtimeLibrary}", StringComparison.Ordinal));
        Assert.Contains(dockerfile.Final, i => i.Keyword == "RUN" && i.Arguments.Contains("apt-get install", StringComparison.Ordinal)
            && i.Arguments.Split(' ').Contains("ffmpeg"));
    }

    [Fact]
    public void The_cuda_image_builds_the_cuda_backend_on_nvidias_cuda_runtime()
    {
        var dockerfile = Read("Dockerfile.cuda");

        Assert.StartsWith("nvidia/cuda:", Dockerfile.BaseImage(dockerfile.Final), StringComparison.Ordinal);
        Assert.Contains("-runtime-", Dockerfile.BaseImage(dockerfile.Final), StringComparison.Ordinal);
        Assert.Contains(dockerfile.Stages[0], i => i.Keyword == "RUN" && i.Arguments.Contains("-p:TorchBackend=cuda", StringComparison.Ordinal));
        // The property the image sets is the one the build reads.
        var targets = XDocument.Load(Path.Combine(Repository, "Directory.Build.targets"));
        var cuda = targets.Descendants("ItemGroup").Single(g => ((string?)g.Attribute("Condition") ?? "").Contains("'$(TorchBackend)' == 'cuda'", StringComparison.Ordinal));
        Assert.Equal("TorchSharp-cuda-linux", (string?)cuda.Element("PackageReference")?.Attribute("Include"));
    }

    private static Dockerfile Read(string image) => Dockerfile.Read(Path.Combine(Repository, "deploy", image));
}
