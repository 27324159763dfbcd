using System.Diagnostics;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// One ffmpeg or ffprobe process with its pipes, killed (with anything it started) when its time
/// runs out or when it is disposed, so that a hung decoder never hangs the loader.
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _errors;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenRegistration _killOnDeadline;

    private FfmpegProcess(Process process, TimeSpan timeout)
    {
        _process = process;
        _errors = process.StandardError.ReadToEndAsync();
        _deadline = new CancellationTokenSource(timeout);
        _killOnDeadline = _deadline.Token.Register(Kill);
    }

    /// <summary>The process's stdout (raw frames, or ffprobe's report).</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>The process's stdin; only for a process started with stdin redirected.</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>True once the time limit passed and the process was killed.</summary>
    public bool TimedOut => _deadline.IsCancellationRequested;

    public static FfmpegProcess Start(string executable, IEnumerable<string> arguments, TimeSpan timeout, bool writeInput = false)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = writeInput,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start {executable} ({e.Message}); install FFmpeg (Debian: apt-get install ffmpeg)", e);
        }

        return new FfmpegProcess(process, timeout);
    }

    /// <summary>Waits for the exit (killing the process at the deadline); the exit code and what it wrote to stderr.</summary>
    public (int ExitCode, string Errors) WaitForExit()
    {
        _process.WaitForExit();
        string errors = _errors.Wait(TimeSpan.FromSeconds(5)) ? _errors.Result.Trim() : "";
        return (_process.ExitCode, errors);
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    public void Dispose()
    {
        _killOnDeadline.Dispose();
        Kill();
        _process.WaitForExit();
        _process.Dispose();
        _deadline.Dispose();
    }
}
