namespace Orchestrator.Integration.Tests;

/// <summary>A program a test drives that comes from the system (Debian packages installed by .ci/run), found on PATH.</summary>
internal static class InstalledProgram
{
    /// <summary>The program's full path; fails the test naming the package when it is missing, never skips it.</summary>
    public static string Find(string program, string package)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(folder, program);
            if (File.Exists(path))
            {
                return path;
            }
        }
        Assert.Fail($"'{program}' is not on PATH: install Debian's {package} package (apt-get install {package}; .ci/run installs it)");
        return "";
    }
}
