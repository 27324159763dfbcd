namespace Orchestrator.Integration.Tests;

/// <summary>
/// A test that builds a <see cref="NetworkLab"/>: skipped, with the reason, where network namespaces cannot be made
/// (not root, no iproute2), since there it cannot show anything.
/// </summary>
internal sealed class NetworkNamespacesFactAttribute : FactAttribute
{
    public NetworkNamespacesFactAttribute()
    {
        if (NetworkLab.Unavailable is { } reason)
        {
            Skip = $"needs network namespaces, which cannot be made here: {reason} (run as root with iproute2; .ci/run installs it)";
        }
    }
}
