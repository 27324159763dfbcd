using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A small network of Linux network namespaces (iproute2) that a test builds and tears down: one namespace per node,
/// each with an interface eth0 holding an address of 10.77.0.0/24, joined by veth pairs to a bridge in a namespace of
/// its own (a star). Processes started in a node's namespace talk to the others over these interfaces, not loopback.
/// <see cref="Cut"/> takes a node's port on the bridge down (its packets go nowhere, as in a partition);
/// <see cref="Restore"/> brings it back. Every namespace is deleted on dispose, and namespaces that an earlier test
/// process left behind (killed before it could clean up) are deleted when the next lab is made.
/// </summary>
internal sealed class NetworkLab : IDisposable
{
    private const string Prefix = "orchlab";
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(20);
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    private readonly string _bridge;
    private readonly Dictionary<string, (string Namespace, string Address, string Port)> _nodes = [];
    private readonly List<string> _namespaces = [];

    private NetworkLab(string bridge)
    {
        _bridge = bridge;
    }

    /// <summary>Why namespaces cannot be made here (not root, no `ip`, no permission), or null when they can.</summary>
    public static string? Unavailable => s_unavailable.Value;

    /// <summary>A lab with the named nodes at 10.77.0.1, .2, ... in the order given.</summary>
    public static NetworkLab Create(params string[] nodes)
    {
        RemoveLeftovers();
        string tag = $"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}x{Random.Shared.Next(1000, 9999).ToString(CultureInfo.InvariantCulture)}";
        var lab = new NetworkLab($"{tag}-bridge");
        try
        {
            lab.AddNamespace(lab._bridge);
            Ip("-n", lab._bridge, "link", "add", "br0", "type", "bridge");
            Ip("-n", lab._bridge, "link", "set", "br0", "up");
            for (int i = 0; i < nodes.Length; i++)
            {
                string ns = $"{tag}-{nodes[i]}";
                string address = $"10.77.0.{(i + 1).ToString(CultureInfo.InvariantCulture)}";
                string port = $"port{i.ToString(CultureInfo.InvariantCulture)}";
                lab.AddNamespace(ns);
                Ip("-n", ns, "link", "set", "lo", "up");
                // Both ends are made where they live: nothing of the lab ever touches this machine's own namespace.
                Ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", lab._bridge);
                Ip("-n", ns, "addr", "add", $"{address}/24", "dev", "eth0");
                Ip("-n", ns, "link", "set", "eth0", "up");
                Ip("-n", lab._bridge, "link", "set", port, "master", "br0");
                Ip("-n", lab._bridge, "link", "set", port, "up");
                lab._nodes[nodes[i]] = (ns, address, port);
            }
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    public string Address(string node) => _nodes[node].Address;

    /// <summary>An `orchestrator` role run inside the node's namespace (`ip netns exec`, which execs it: the process id is its own).</summary>
    public RoleProcess Start(string node, string name, string workingDirectory, params string[] args) =>
        RoleProcess.StartProgram(name, "ip", workingDirectory, ["netns", "exec", _nodes[node].Namespace, "dotnet", RoleProcess.Executable, .. args]);

    /// <summary>Takes the node's bridge port down: nothing it sends arrives, nothing reaches it.</summary>
    public void Cut(string node) => Ip("-n", _bridge, "link", "set", _nodes[node].Port, "down");

    public void Restore(string node) => Ip("-n", _bridge, "link", "set", _nodes[node].Port, "up");

    /// <summary>Deletes every namespace of the lab; their interfaces go with them. Processes in them must have ended.</summary>
    public void Dispose()
    {
        foreach (string ns in Enumerable.Reverse(_namespaces))
        {
            Run("ip", ["netns", "delete", ns], throwOnError: false);
        }
        _namespaces.Clear();
    }

    private void AddNamespace(string name)
    {
        Ip("netns", "add", name);
        _namespaces.Add(name);
    }

    private static void Ip(params string[] args) => Run("ip", args, throwOnError: true);

    // Namespaces of a test process that no longer runs: it was killed before its dispose.
    private static void RemoveLeftovers()
    {
        var (_, listed) = Run("ip", ["netns", "list"], throwOnError: true);
        foreach (string line in listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string name = line.Split(' ')[0];
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            string owner = name[Prefix.Length..].Split('x')[0];
            if (int.TryParse(owner, CultureInfo.InvariantCulture, out int pid) && !Directory.Exists($"/proc/{pid}"))
            {
                Run("ip", ["netns", "delete", name], throwOnError: false);
            }
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }
        string uid = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "";
        if (uid != "0")
        {
            return $"creating network namespaces needs root (this test process runs as uid {uid})";
        }
        string probe = $"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}xprobe";
        try
        {
            var (code, output) = Run("ip", ["netns", "add", probe], throwOnError: false);
            if (code != 0)
            {
                return $"'ip netns add' failed here: {output.Trim()}";
            }
            Run("ip", ["netns", "delete", probe], throwOnError: false);
            return null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"the 'ip' program (Debian's iproute2) cannot be run: {e.Message}";
        }
    }

    private static (int Code, string Output) Run(string program, IReadOnlyList<string> args, bool throwOnError)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandLimit))
        {
            process.Kill();
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not end within {CommandLimit.TotalSeconds} s");
        }
        string output = stdout.Result + stderr.Result;
        if (throwOnError && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {output.Trim()}");
        }
        return (process.ExitCode, output);
    }
}
