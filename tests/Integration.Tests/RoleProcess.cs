using System.Diagnostics;
using System.Text;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A long-running `orchestrator` process (a role of a multi-process run): its output is collected as it comes,
/// the test can wait for a line, then for the exit; disposing kills it if it still runs.
/// </summary>
internal sealed class RoleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _waits = [];

    private RoleProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Everything written so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static RoleProcess Start(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "orchestrator.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["MALLOC_ARENA_MAX"] = "2";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start orchestrator");
        var role = new RoleProcess(process, args[0]);
        process.OutputDataReceived += (_, e) => role.Take(e.Data);
        process.ErrorDataReceived += (_, e) => role.Take(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return role;
    }

    /// <summary>The first line that contains <paramref name="text"/>; fails with the output when the process ends first or time runs out.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan limit)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var earlier = _output.ToString().Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (earlier is not null)
            {
                return earlier;
            }
            _waits.Add((text, seen));
        }
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(limit));
        if (first == seen.Task)
        {
            return await seen.Task;
        }
        throw new TimeoutException(
            $"{Name}: no line with '{text}' {(first == exited ? "before the process ended" : $"within {limit.TotalSeconds} s")}; output:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not end within {limit.TotalSeconds} s; output:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private void Take(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var wait in _waits.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                _waits.Remove(wait);
                wait.Seen.TrySetResult(line);
            }
        }
    }
}
