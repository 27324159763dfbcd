using System.Diagnostics;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>Debian's kubectl (package kubernetes-client), run offline with --local: it never contacts a cluster.</summary>
internal static class Kubectl
{
    public static async Task<string> RunAsync(params string[] args)
    {
        string kubectl = InstalledProgram.Find("kubectl", "kubernetes-client");
        using var folder = new TemporaryFolder();
        var start = new ProcessStartInfo(kubectl, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        // No configuration to find: an offline kubectl must not fall back to one of the machine's.
        start.Environment["KUBECONFIG"] = folder.File("none");
        start.Environment["HOME"] = folder.Path;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited with {process.ExitCode}: {error}");
        return await output;
    }
}
