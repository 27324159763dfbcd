using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// One `orchestrator` role (coordinator, trainer), or another program a test drives, as a real,
/// long-running process: output captured, awaited to its end, or killed with SIGKILL as a failure test
/// needs.
/// </summary>
internal sealed class RoleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _waits = [];

    private RoleProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>The process id (for what it leaves behind under its id, such as shared-memory ring files).</summary>
    public int Id => _process.Id;

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

    /// <summary>Whether the process has ended (its exit was seen).</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    public static RoleProcess Start(string name, string workingDirectory, params string[] args) =>
        StartProgram(name, "dotnet", workingDirectory, [Executable, .. args]);

    /// <summary>An `orchestrator` role with extra environment variables (secrets a spec names).</summary>
    public static RoleProcess Start(string name, string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartProgram(name, "dotnet", workingDirectory, [Executable, .. args], environment);

    /// <summary>The built `orchestrator` program, which `dotnet` runs.</summary>
    public static string Executable { get; } = Path.Combine(AppContext.BaseDirectory, "orchestrator.dll");

    /// <summary>Any program (prometheus, chromium) as a process of the test's, ended by its id on dispose.</summary>
    public static RoleProcess StartProgram(
        string name, string program, string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["MALLOC_ARENA_MAX"] = "2";
        // Every actor message goes through its serializer even within one process (docs/cluster.md).
        start.Environment["ORCHESTRATOR_VERIFY_SERIALIZATION"] = "1";
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var role = new RoleProcess(name, process);
        process.OutputDataReceived += (_, e) => role.Append(e.Data);
        process.ErrorDataReceived += (_, e) => role.Append(e.Data);
        process.Exited += (_, _) => role._exited.TrySetResult(process.ExitCode);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return role;
    }

    /// <summary>A TCP port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The exit code, or a timeout that carries the output so far.</summary>
    public async Task<int> ExitAsync(TimeSpan limit)
    {
        try
        {
            int code = await _exited.Task.WaitAsync(limit);
            _process.WaitForExit();
            return code;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not end within {limit.TotalSeconds} s; its output:\n{Output}");
        }
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
        var first = await Task.WhenAny(seen.Task, _exited.Task, Task.Delay(limit));
        if (first == seen.Task)
        {
            return await seen.Task;
        }
        throw new TimeoutException(
            $"{Name}: no line with '{text}' {(first == _exited.Task ? "before the process ended" : $"within {limit.TotalSeconds} s")}; output:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster, sockets closed by the kernel.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    private void Append(string? line)
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
