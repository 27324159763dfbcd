using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Orchestrator.Integration.Tests;

/// <summary>The run page of a running training, loaded in headless Chromium (docs/telemetry.md, "The run page").</summary>
[Collection("processes")]
public sealed class RunPageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_run_page_in_chromium_shows_the_step_advancing_with_ranks_members_plots_grid_and_checkpoints()
    {
        using var run = new TinyRun(steps: 60, extra: "telemetry: { progress: false }");
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(Path.Combine(run.Directory, "token"), token + "\n");
        int port = RoleProcess.FreePort();
        string spec = (await File.ReadAllTextAsync(run.SpecPath))
            .Replace("checkpoint: { every_steps: 2, keep_last: 5 }",
                $"checkpoint: {{ every_steps: 5, keep_last: 3, serve: {{ port: {port}, token_file: token }} }}", StringComparison.Ordinal)
            .Replace("eval:\n", "eval:\n  every_steps: 10\n", StringComparison.Ordinal);
        Assert.Contains("serve:", spec, StringComparison.Ordinal);
        Assert.Contains("every_steps: 10", spec, StringComparison.Ordinal);
        await File.WriteAllTextAsync(run.SpecPath, spec);

        using var train = RoleProcess.Start("train", run.Directory, "train", "--config", run.SpecPath);
        string announced = await train.WaitForLineAsync("run page at ", Limit);
        var page = new Uri(announced[(announced.IndexOf("run page at ", StringComparison.Ordinal) + "run page at ".Length)..].Trim());
        Assert.DoesNotContain(token, train.Output, StringComparison.Ordinal);

        await using var chromium = await HeadlessChromium.StartAsync(1280, 1500);
        await chromium.NavigateAsync(new Uri(page + "#token=" + token), Limit);

        // The step advances while the page is open.
        await chromium.WaitUntilAsync("Number(document.getElementById('step').textContent) >= 1", Limit, "a committed step");
        long first = (await chromium.EvaluateAsync("Number(document.getElementById('step').textContent)"))!.Value.GetInt64();
        await chromium.WaitUntilAsync($"Number(document.getElementById('step').textContent) > {first}", Limit, $"a step after {first}");
        Assert.Equal("training", (await chromium.EvaluateAsync("document.getElementById('state').textContent"))!.Value.GetString());

        // Per-rank step times, the member, the loss plot, an evaluation's plots and grid, checkpoints with metrics.
        await chromium.WaitUntilAsync(
            "document.querySelectorAll('#ranks tr').length === 2 && document.querySelectorAll('#members tbody tr').length === 1" +
            " && document.querySelector('#loss-plot polyline') !== null && document.querySelector('#metric-plots svg') !== null" +
            " && document.querySelector('#grid img') !== null && document.querySelector('#grid img').naturalWidth > 0" +
            " && document.querySelectorAll('#checkpoints tbody tr').length >= 2" +
            " && document.querySelector('#checkpoints tbody').textContent.includes('frechet')",
            Limit, "ranks, members, plots, the sample grid and evaluated checkpoints");
        Assert.Contains("coordinator, evaluator, trainer", (await chromium.EvaluateAsync("document.querySelector('#members tbody').textContent"))!.Value.GetString(), StringComparison.Ordinal);
        // The token left the address bar once the page had it.
        Assert.DoesNotContain("token", (await chromium.EvaluateAsync("location.href"))!.Value.GetString(), StringComparison.Ordinal);

        byte[] screenshot = await chromium.ScreenshotAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, screenshot[..4]);
        string folder = Path.Combine(AppContext.BaseDirectory, "test-output");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "run-page.png");
        await File.WriteAllBytesAsync(path, screenshot);
        output.WriteLine($"screenshot: {path}");
    }
}
