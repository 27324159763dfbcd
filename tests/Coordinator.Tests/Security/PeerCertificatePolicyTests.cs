namespace Orchestrator.Coordinator.Tests.Security;

using Orchestrator.Coordinator.Security;

public sealed class PeerCertificatePolicyTests
{
    [Fact]
    public void A_node_certificate_of_the_run_CA_is_accepted()
    {
        using var ca = TestCertificates.Ca();
        using var node = TestCertificates.Node(ca);

        Assert.Null(new PeerCertificatePolicy(TestCertificates.Bundle(ca)).Refusal(node.Certificate));
    }

    [Fact]
    public void A_certificate_of_another_CA_is_refused_naming_its_issuer()
    {
        using var ca = TestCertificates.Ca("run CA");
        using var other = TestCertificates.Ca("other CA");
        using var stranger = TestCertificates.Node(other, "stranger");

        string? refusal = new PeerCertificatePolicy(TestCertificates.Bundle(ca)).Refusal(stranger.Certificate);

        Assert.Equal("it does not chain to a CA certificate of cluster.tls.ca (its issuer is 'CN=other CA')", refusal);
    }

    [Fact]
    public void An_expired_certificate_and_one_not_yet_valid_are_refused_with_their_validity()
    {
        using var ca = TestCertificates.Ca();
        using var expired = TestCertificates.Node(ca, fromDays: -5, toDays: -1);
        using var early = TestCertificates.Node(ca, fromDays: 1, toDays: 5);
        var policy = new PeerCertificatePolicy(TestCertificates.Bundle(ca));

        Assert.StartsWith("it or its CA is not valid now (the certificate is valid ", policy.Refusal(expired.Certificate));
        Assert.StartsWith("it or its CA is not valid now", policy.Refusal(early.Certificate));
        // The same certificate is fine at a time inside its window.
        Assert.Null(new PeerCertificatePolicy(TestCertificates.Bundle(ca), () => DateTime.Now.AddDays(-3)).Refusal(expired.Certificate));
    }

    [Fact]
    public void A_certificate_for_TLS_servers_only_is_refused_since_every_node_also_dials()
    {
        using var ca = TestCertificates.Ca();
        using var serverOnly = TestCertificates.ServerOnly(ca);

        Assert.Equal(
            "its extended key usage does not allow both TLS server and TLS client authentication",
            new PeerCertificatePolicy(TestCertificates.Bundle(ca)).Refusal(serverOnly));
    }

    [Fact]
    public void During_a_rotation_a_bundle_of_the_old_and_the_new_CA_accepts_nodes_of_both()
    {
        using var old = TestCertificates.Ca("old CA");
        using var fresh = TestCertificates.Ca("new CA");
        using var oldNode = TestCertificates.Node(old, "old-node");
        using var newNode = TestCertificates.Node(fresh, "new-node");
        var both = new PeerCertificatePolicy(TestCertificates.Bundle(old, fresh));
        var newOnly = new PeerCertificatePolicy(TestCertificates.Bundle(fresh));

        Assert.Null(both.Refusal(oldNode.Certificate));
        Assert.Null(both.Refusal(newNode.Certificate));
        Assert.NotNull(newOnly.Refusal(oldNode.Certificate));
    }

    [Fact]
    public void A_peer_without_a_certificate_is_refused()
    {
        using var ca = TestCertificates.Ca();

        Assert.Equal("it presented no certificate", new PeerCertificatePolicy(TestCertificates.Bundle(ca)).Refusal(null));
    }
}
