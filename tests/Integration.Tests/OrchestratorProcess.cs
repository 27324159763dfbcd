using System.Diagnostics;
using System.Text;

namespace Orchestrator.Integration.Tests;

/// <summary>Runs the built `orchestrator` executable as a real process in a working folder of the test's.</summary>
internal static class OrchestratorProcess
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "orchestrator.dll");

    public sealed record Result(int ExitCode, string Output, string Error);

    public static Task<Result> RunAsync(string workingDirectory, TimeSpan limit, params string[] args) =>
        RunAsync(workingDirectory, limit, new Dictionary<string, string?>(), args);

    /// <summary>With <paramref name="environment"/> set over this process's (a null value removes the variable).</summary>
    public static async Task<Result> RunAsync(string workingDirectory, TimeSpan limit, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["MALLOC_ARENA_MAX"] = "2";
        // Every actor message goes through its serializer even within one process (docs/cluster.md).
        start.Environment["ORCHESTRATOR_VERIFY_SERIALIZATION"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start orchestrator");
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"orchestrator {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s; output so far:\n{output}\n{error}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.ToString(), error.ToString());
    }
}
