using Orchestrator.Core.RunSpec;

namespace Orchestrator.Core.Tests.RunSpec;

/// <summary>cluster.discovery with method kubernetes: the keys, their defaults and every rejected value, without a cluster.</summary>
public sealed class KubernetesDiscoverySpecTests
{
    public static TheoryData<string, string, string, string> Rejected => new()
    {
        // patch, key path, got, expected
        { "cluster: { discovery: { method: kubernetes, endpoints: [ \"10.0.0.1:8558\" ] } }", "cluster.discovery.endpoints",
            "a list of 1 endpoints", "no endpoints: the pods are found through the Kubernetes API" },
        { "cluster: { discovery: { method: kubernetes, pod_label_selector: \"app in (a, b\" } }", "cluster.discovery.pod_label_selector",
            "\"app in (a, b\"", "requirements such as app.kubernetes.io/instance=run-1" },
        { "cluster: { discovery: { method: kubernetes, pod_label_selector: \"app=a b\" } }", "cluster.discovery.pod_label_selector",
            "\"app=a b\"", "key=value, key!=value, key in (a, b), key, !key" },
        { "cluster: { discovery: { method: kubernetes, pod_label_selector: \"app={0}\" } }", "cluster.discovery.pod_label_selector",
            "\"app={0}\"", "requirements such as" },
        { "run: { name: \"my run\" }\ncluster: { discovery: { method: kubernetes } }", "cluster.discovery.pod_label_selector",
            "\"my run\"", "(the pods are selected by orchestrator/run=<run.name>), or a pod_label_selector" },
        { "cluster: { discovery: { method: kubernetes, pod_namespace: ML_Runs } }", "cluster.discovery.pod_namespace",
            "\"ML_Runs\"", "empty (the pod's own namespace) or at most 63 lower-case letters" },
        { "cluster: { discovery: { method: kubernetes, management_port_name: management-https } }", "cluster.discovery.management_port_name",
            "\"management-https\"", "at most 15 lower-case letters, digits and single '-'" },
        { "cluster: { discovery: { method: kubernetes, management_port_name: \"8558\" } }", "cluster.discovery.management_port_name",
            "\"8558\"", "such as management" },
        { "cluster: { discovery: { method: kubernetes, required_contact_points: 0 } }", "cluster.discovery.required_contact_points",
            "0", "an integer >= 1" },
        { "cluster: { discovery: { method: kubernetes, management_port: 70000 } }", "cluster.discovery.management_port",
            "70000", "an integer in [1, 65535]" },
        { "cluster: { discovery: { method: config, endpoints: [ \"10.0.0.1:8558\" ], required_contact_points: 1, pod_namespace: runs } }",
            "cluster.discovery.pod_namespace", "\"runs\"", "no value: it is read only by method kubernetes" },
        { "cluster: { discovery: { method: kubernetes-api } }", "cluster.discovery.method", "\"kubernetes-api\"", "one of config, kubernetes" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void A_bad_kubernetes_discovery_value_is_reported_with_its_key_value_and_expectation(string patch, string path, string got, string expected)
    {
        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(SpecDocuments.With(patch), "k8s.yaml"));

        var message = Assert.Single(e.Errors);
        Assert.StartsWith($"k8s.yaml: {path}: ", message, StringComparison.Ordinal);
        Assert.Contains($", got {got}; expected ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message[message.IndexOf("; expected ", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_kubernetes_key_is_named_with_the_key_it_resembles()
    {
        var e = Assert.Throws<RunSpecException>(() => RunSpecLoader.Parse(
            SpecDocuments.With("cluster: { discovery: { method: kubernetes, pod_namespce: runs } }"), "k8s.yaml"));

        var message = Assert.Single(e.Errors);
        Assert.StartsWith("k8s.yaml: cluster.discovery.pod_namespce: unknown key", message, StringComparison.Ordinal);
        Assert.Contains("(did you mean pod_namespace?)", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cluster: { discovery: { method: kubernetes } }")]
    [InlineData("cluster: { discovery: { method: kubernetes, pod_label_selector: \"app.kubernetes.io/instance=run-1,orchestrator/run==run-1\", pod_namespace: ml-runs, management_port_name: management, required_contact_points: 3 } }")]
    [InlineData("cluster: { discovery: { method: kubernetes, pod_label_selector: \"tier in (train, eval),!canary,env!=dev,gpu\" } }")]
    [InlineData("run: { name: Run_1.a }\ncluster: { discovery: { method: kubernetes } }")]
    public void A_valid_kubernetes_discovery_is_accepted(string patch)
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.With(patch), "k8s.yaml");

        Assert.Equal("kubernetes", spec.Cluster.Discovery!.Method);
        Assert.Empty(spec.Cluster.Discovery.Endpoints);
    }

    [Fact]
    public void Without_a_selector_the_pods_are_those_labelled_with_the_run_name()
    {
        var spec = RunSpecLoader.Parse(SpecDocuments.With("run: { name: flowers-512 }\ncluster: { discovery: { method: kubernetes } }"), "k8s.yaml");

        Assert.Equal("orchestrator/run=flowers-512", KubernetesNames.PodSelector(spec.Cluster.Discovery!, spec.Run.Name));
        Assert.Equal("a=b", KubernetesNames.PodSelector(new DiscoverySection { PodLabelSelector = "a=b" }, "flowers-512"));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("example.com/a-b_c.d=x", true)]
    [InlineData("a=", true)]
    [InlineData("a notin (x,y), b", true)]
    [InlineData("", false)]
    [InlineData("a,,b", false)]
    [InlineData("-a=b", false)]
    [InlineData("Example.com/a=b", false)]
    [InlineData("a=b=c", false)]
    [InlineData("a in ()", false)]
    [InlineData("a in x", false)]
    public void Label_selectors_follow_the_kubernetes_syntax(string selector, bool valid)
    {
        Assert.Equal(valid, KubernetesNames.IsLabelSelector(selector));
    }
}
