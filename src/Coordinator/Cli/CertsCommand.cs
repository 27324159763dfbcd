using System.Globalization;
using System.Text.RegularExpressions;
using Orchestrator.Coordinator.Security;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orchestrator certs make --out DIR [--nodes name,...] [--days N] [--ca DIR]`: a development CA and one certificate per
/// node for cluster.tls (docs/security.md). With --ca, the node certificates are signed by the CA of an earlier run of
/// the command instead of a new one (a node added later).
/// </summary>
public static partial class CertsCommand
{
    public static readonly IReadOnlySet<string> ValueOptions = new HashSet<string> { "out", "nodes", "days", "ca" };

    public static int Make(CommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        string folder = command.Value("out") ?? throw new CommandLineException("option --out is required: the folder the CA and node certificates are written to");
        var nodes = (command.Value("nodes") ?? "node").Split(',', StringSplitOptions.TrimEntries);
        foreach (string node in nodes)
        {
            if (!NodeName().IsMatch(node))
            {
                throw new CommandLineException(
                    $"option --nodes: '{node}' is not a node name; expected a DNS name or an IP address (letters, digits, '.', '-', ':'), such as trainer-0 or 10.0.0.5");
            }
        }
        if (nodes.Distinct(StringComparer.Ordinal).Count() != nodes.Length)
        {
            throw new CommandLineException("option --nodes: a name is listed twice");
        }
        string? existingCa = command.Value("ca");
        if (existingCa is null && new[] { DevelopmentCertificates.CaCertificateFile, DevelopmentCertificates.CaKeyFile }.Any(f => File.Exists(Path.Combine(folder, f))))
        {
            // A new CA over an old one would leave every node of the old one untrusted by the nodes made now.
            throw new CommandLineException(
                $"option --out: {folder} already holds a CA ({DevelopmentCertificates.CaCertificateFile}, {DevelopmentCertificates.CaKeyFile}); " +
                $"to add node certificates signed by it give --ca {folder}, to make a new CA choose another folder");
        }
        int days = command.PositiveInt("days") ?? 365;
        var written = DevelopmentCertificates.Write(folder, nodes, days, existingCa);
        foreach (string file in written)
        {
            System.Console.WriteLine(file);
        }
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{nodes.Length} node certificate(s) valid for {days} days (keys: mode 0600). For each node set cluster.tls: " +
            $"{{ certificate: NAME.crt, key: NAME.key, ca: {DevelopmentCertificates.CaCertificateFile} }}; keep {DevelopmentCertificates.CaKeyFile} off the nodes."));
        return 0;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$")]
    private static partial Regex NodeName();
}
