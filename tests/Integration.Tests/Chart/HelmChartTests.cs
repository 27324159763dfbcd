using System.Text.Json.Nodes;
using k8s.Models;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>
/// helm/orchestrator without Helm (docs/deployment.md, "How the chart was checked"): values against
/// values.schema.json, the templates rendered by the test's renderer of the chart's template subset, every
/// object read strictly into the Kubernetes client's models and through kubectl offline, and the facts that
/// tie the objects together.
/// </summary>
public sealed class HelmChartTests
{
    private static readonly string[] Examples = ["cpu-small.yaml", "gpu-8x.yaml"];

    /// <summary>values.yaml alone (null) and merged with each example file.</summary>
    public static TheoryData<string?> ValueSets => new([null, .. Examples]);

    [Fact]
    public void Every_example_values_file_is_checked_here()
    {
        Assert.Equal(Examples, Directory.GetFiles(Path.Combine(RenderedChart.ChartDirectory, "examples")).Select(Path.GetFileName).Order());
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void The_values_pass_the_schema(string? example)
    {
        Assert.Empty(Schema().Problems(RenderedChart.ValuesOf(example)));
    }

    public static TheoryData<string, string> WrongValues => new()
    {
        // a values file given with -f, the path Helm names
        { "trainer: { replicas: 0 }", "/trainer/replicas" },
        { "trainer: { gpusPerPod: \"8\" }", "/trainer/gpusPerPod" },
        { "trainer: { resources: { limits: { nvidia.com/gpu: 8 } } }", "/trainer/resources/limits" },
        { "trainer: { tolerations: [ { key: gpu, operator: Maybe } ] }", "/trainer/tolerations/0/operator" },
        { "trainer: { shmSize: lots }", "/trainer/shmSize" },
        { "storage: { accesModes: [ReadWriteMany] }", "/storage/accesModes" },
        { "image: { pullPolicy: Sometimes }", "/image/pullPolicy" },
        { "secrets: { token: { name: \"\" } }", "/secrets/token/name" },
        { "runSpec: { run: { name: \"my run\" } }", "/runSpec/run/name" },
        { "runSpec: { cluster: { discovery: { method: config } } }", "/runSpec/cluster/discovery/method" },
        { "runSpec: { cluster: { port: 0 } }", "/runSpec/cluster/port" },
        { "runSpec: { checkpoint: { serve: { token_file: /tmp/token } } }", "/runSpec/checkpoint/serve/token_file" },
        { "runSpec: { telemetry: { prometheus: { host: 127.0.0.1, port: 9464 } } }", "/runSpec/telemetry/prometheus/host" },
        { "metrics: { serviceMonitor: { interval: soon } }", "/metrics/serviceMonitor/interval" },
        { "evaluatorr: { replicas: 2 }", "/evaluatorr" },
    };

    [Theory]
    [MemberData(nameof(WrongValues))]
    public void A_wrong_value_fails_the_schema_naming_its_path(string values, string path)
    {
        var merged = ChartValues.Merge(RenderedChart.ValuesOf(null), ChartValues.Parse(values, "wrong.yaml"));

        var problems = Schema().Problems(merged);

        Assert.Contains(problems, p => p.StartsWith($"at '{path}': ", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.StartsWith($"at '{path}", p, StringComparison.Ordinal));
    }

    [Fact]
    public void A_yaml_1_1_boolean_in_a_values_file_is_refused_naming_its_line()
    {
        var e = Assert.Throws<InvalidDataException>(() => ChartValues.Parse("evaluator:\n  enabled: yes\n", "values.yaml"));

        Assert.Equal("values.yaml: line 2: evaluator.enabled: 'yes' is a boolean to Helm's YAML 1.1 parser and a string to YAML 1.2: quote it, or write true or false", e.Message);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Every_rendered_object_is_a_valid_kubernetes_object_of_the_expected_kinds(string? example)
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(example));

        var kinds = chart.Objects.Select(o => o.Object.GetType().Name).Order().ToList();
        Assert.Subset(
            kinds.ToHashSet(),
            new[]
            {
                nameof(V1ConfigMap), nameof(V1ServiceAccount), nameof(V1Role), nameof(V1RoleBinding), nameof(V1Service),
                nameof(V1Deployment), nameof(V1StatefulSet), nameof(V1PodDisruptionBudget), nameof(V1NetworkPolicy),
            }.ToHashSet());
        Assert.Equal(2, chart.All<V1Service>().Count());
        // Secrets are made outside the chart: no secret value is ever in a rendered manifest.
        Assert.Empty(chart.All<V1Secret>());
        Assert.Equal(example == "gpu-8x.yaml", chart.Objects.Any(o => o.Object is JsonObject monitor && monitor["kind"]?.GetValue<string>() == "ServiceMonitor"));
        // The chart's own claim (none with storage.existingClaim) outlives helm uninstall: it holds the checkpoints.
        Assert.Equal(example != "gpu-8x.yaml", chart.All<V1PersistentVolumeClaim>().Any());
        Assert.All(chart.All<V1PersistentVolumeClaim>(), c => Assert.Equal("keep", c.Metadata.Annotations["helm.sh/resource-policy"]));
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void The_config_map_holds_the_run_spec_of_the_values_and_the_orchestrator_accepts_it(string? example)
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(example));

        var spec = chart.RunSpec();

        Assert.Equal("kubernetes", spec.Cluster.Discovery!.Method);
        Assert.True(JsonNode.DeepEquals(
            chart.Values["runSpec"],
            ChartValues.Parse(chart.Single<V1ConfigMap>($"{RenderedChart.Release}-spec").Data["run.yaml"], "run.yaml")));
        foreach (string path in new[] { spec.Run.OutputDir, spec.CheckpointDirectory() }.Concat(spec.Data.Train.Select(t => t.Shards)))
        {
            Assert.StartsWith("/data/", path, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Kubernetes_discovery_finds_every_pod_of_the_run_and_may_list_them(string? example)
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(example));
        var spec = chart.RunSpec();
        string selector = KubernetesNames.PodSelector(spec.Cluster.Discovery!, spec.Run.Name);

        var pods = Workloads(chart).ToList();
        Assert.Equal(chart.Values["evaluator"]!["enabled"]!.GetValue<bool>() ? 3 : 2, pods.Count);
        foreach (var (name, template) in pods)
        {
            Assert.True(Selects(selector, template.Metadata.Labels), $"{name}: the pod labels do not match the discovery selector {selector}");
            Assert.Equal(RenderedChart.Release, template.Spec.ServiceAccountName);
            Assert.True(template.Spec.AutomountServiceAccountToken);
        }

        var role = chart.Single<V1Role>($"{RenderedChart.Release}-pod-reader");
        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "watch"], rule.Verbs.Order());
        var binding = chart.Single<V1RoleBinding>($"{RenderedChart.Release}-pod-reader");
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", RenderedChart.Release, RenderedChart.Namespace), (subject.Kind, subject.Name, subject.NamespaceProperty));
        chart.Single<V1ServiceAccount>(RenderedChart.Release);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Every_container_is_probed_on_the_management_endpoint_and_joins_with_its_pod_address(string? example)
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(example));
        var discovery = chart.RunSpec().Cluster.Discovery!;

        foreach (var (name, template) in Workloads(chart))
        {
            var container = Assert.Single(template.Spec.Containers);
            var management = Assert.Single(container.Ports, p => p.Name == discovery.ManagementPortName);
            Assert.Equal(discovery.ManagementPort, management.ContainerPort);
            foreach (var (probe, path) in new[] { (container.StartupProbe, "/alive"), (container.LivenessProbe, "/alive"), (container.ReadinessProbe, "/ready") })
            {
                Assert.Equal(path, probe.HttpGet.Path);
                Assert.Equal(discovery.ManagementPortName, probe.HttpGet.Port.Value);
            }
            Assert.Equal(["--hostname", "$(POD_IP)"], container.Args.SkipWhile(a => a != "--hostname").Take(2));
            Assert.Equal("status.podIP", Assert.Single(container.Env, e => e.Name == "POD_IP").ValueFrom.FieldRef.FieldPath);
            Assert.Equal("/etc/orchestrator/spec/run.yaml", container.Args.SkipWhile(a => a != "--config").ElementAt(1));
            Assert.True(template.Spec.SecurityContext.RunAsNonRoot, name);
        }
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void The_services_select_the_pods_that_serve_their_ports(string? example)
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(example));
        var spec = chart.RunSpec();
        var trainer = chart.Single<V1StatefulSet>($"{RenderedChart.Release}-trainer");
        var coordinator = chart.Single<V1Deployment>($"{RenderedChart.Release}-coordinator").Spec.Template;

        var headless = chart.Single<V1Service>($"{RenderedChart.Release}-cluster");
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        Assert.Equal(headless.Metadata.Name, trainer.Spec.ServiceName);
        Assert.Subset(trainer.Spec.Template.Metadata.Labels.ToHashSet(), headless.Spec.Selector.ToHashSet());
        Assert.Subset(trainer.Spec.Template.Metadata.Labels.ToHashSet(), trainer.Spec.Selector.MatchLabels.ToHashSet());
        Assert.Equal(spec.Cluster.Port, Assert.Single(headless.Spec.Ports, p => p.Name == "remoting").Port);

        var checkpoints = chart.Single<V1Service>($"{RenderedChart.Release}-checkpoints");
        Assert.Subset(coordinator.Metadata.Labels.ToHashSet(), checkpoints.Spec.Selector.ToHashSet());
        Assert.False(trainer.Spec.Template.Metadata.Labels.ToHashSet().IsSupersetOf(checkpoints.Spec.Selector));
        var http = Assert.Single(checkpoints.Spec.Ports);
        Assert.Equal(spec.Checkpoint.Serve!.Port, http.Port);
        Assert.Equal(spec.Checkpoint.Serve.Port, Assert.Single(coordinator.Spec.Containers[0].Ports, p => p.Name == http.TargetPort.Value).ContainerPort);

        var budget = chart.Single<V1PodDisruptionBudget>($"{RenderedChart.Release}-trainer");
        Assert.Subset(trainer.Spec.Template.Metadata.Labels.ToHashSet(), budget.Spec.Selector.MatchLabels.ToHashSet());

        if (chart.Objects.Select(o => o.Object).OfType<JsonObject>().SingleOrDefault() is { } monitor)
        {
            var selected = monitor["spec"]!["selector"]!["matchLabels"]!.AsObject().Select(p => KeyValuePair.Create(p.Key, p.Value!.GetValue<string>()));
            Assert.Subset(headless.Metadata.Labels.ToHashSet(), selected.ToHashSet());
            Assert.Contains(headless.Spec.Ports, p => p.Name == monitor["spec"]!["endpoints"]![0]!["port"]!.GetValue<string>());
        }
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Trainer_pods_get_their_gpus_shared_memory_placement_token_and_volume(string? example)
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(example));
        var values = chart.Values["trainer"]!;
        var spec = chart.RunSpec();
        var pod = chart.Single<V1StatefulSet>($"{RenderedChart.Release}-trainer").Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        int gpus = (int)TemplateYaml.ToDouble(values["gpusPerPod"]!.AsValue());
        Assert.Equal(gpus > 0 ? gpus.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            container.Resources.Limits?.TryGetValue("nvidia.com/gpu", out var limit) == true ? limit.ToString() : null);
        if (gpus > 0)
        {
            // One worker per GPU (docs/cluster.md).
            Assert.Equal(gpus, spec.Cluster.WorkersPerNode);
            Assert.Equal("cuda", spec.Train.Device);
        }
        var shm = Assert.Single(pod.Volumes, v => v.Name == "shm");
        Assert.Equal("Memory", shm.EmptyDir.Medium);
        Assert.Equal("/dev/shm", Assert.Single(container.VolumeMounts, m => m.Name == "shm").MountPath);
        Assert.Equal(values["nodeSelector"]!.AsObject().Count, pod.NodeSelector?.Count ?? 0);
        Assert.Equal(values["tolerations"]!.AsArray().Count, pod.Tolerations?.Count ?? 0);

        var token = Assert.Single(pod.Volumes, v => v.Name == "token").Secret;
        Assert.Equal(chart.Values["secrets"]!["token"]!["name"]!.GetValue<string>(), token.SecretName);
        string tokenFile = Path.Combine(Assert.Single(container.VolumeMounts, m => m.Name == "token").MountPath, Assert.Single(token.Items).Path);
        Assert.Equal(spec.Checkpoint.Serve!.TokenFile, tokenFile);
        Assert.Equal("/data", Assert.Single(container.VolumeMounts, m => m.Name == "data").MountPath);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Kubectl_reads_every_rendered_manifest_offline(string? example)
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(example));
        using var folder = new TemporaryFolder();
        string manifests = folder.File("manifests.yaml");
        await File.WriteAllTextAsync(manifests, chart.Manifests);
        string workloads = folder.File("workloads.yaml");
        await File.WriteAllTextAsync(workloads, chart.ManifestsOf(o => o is V1StatefulSet or V1Deployment));

        var labelled = await Kubectl.RunAsync("label", "--local", "-f", manifests, "orchestrator-check=read", "-o", "name");
        Assert.Equal(
            chart.Objects.Select(o => o.Object is JsonObject ? "servicemonitor" : o.Object.GetType().Name[2..].ToLowerInvariant()).Order(),
            labelled.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(n => n.Split('/')[0].Split('.')[0]).Order());

        // Pod templates decoded into kubectl's own typed API objects: a wrong type in a pod spec fails here.
        var containers = await Kubectl.RunAsync("set", "env", "--local", "-f", workloads, "--list");
        foreach (var (name, template) in Workloads(chart))
        {
            Assert.Contains($"{name}, container {template.Spec.Containers[0].Name}", containers, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Kubectl_refuses_a_pod_spec_with_a_wrong_type_so_its_check_can_fail()
    {
        var chart = RenderedChart.Render(RenderedChart.ValuesOf(null));
        using var folder = new TemporaryFolder();
        string manifests = folder.File("broken.yaml");
        await File.WriteAllTextAsync(manifests, chart.ManifestsOf(o => o is V1StatefulSet).Replace("containerPort: 4053", "containerPort: remoting", StringComparison.Ordinal));

        var e = await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => Kubectl.RunAsync("set", "env", "--local", "-f", manifests, "--list"));

        Assert.Contains("containerPort", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_plain_manifest_under_deploy_is_a_valid_kubernetes_object()
    {
        string deploy = Path.Combine(AppContext.BaseDirectory, "repository", "deploy");
        var manifests = Directory.GetFiles(deploy, "*.y*ml", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("apiVersion:", StringComparison.Ordinal))
            .ToList();
        foreach (string file in manifests)
        {
            Assert.NotEmpty(k8s.KubernetesYaml.LoadAllFromString(File.ReadAllText(file), typeMap: null, strict: true));
        }
        // deploy/ holds no Kubernetes manifests today (the chart is the one way to deploy); prometheus.yml is not one.
        Assert.Contains(Directory.GetFiles(deploy, "*.y*ml", SearchOption.AllDirectories), f => Path.GetFileName(f) == "prometheus.yml");
    }

    private static ChartSchema Schema() => new(Path.Combine(RenderedChart.ChartDirectory, "values.schema.json"));

    private static IEnumerable<(string Name, V1PodTemplateSpec Template)> Workloads(RenderedChart chart) =>
        chart.All<V1StatefulSet>().Select(s => ($"StatefulSet {s.Metadata.Name}", s.Spec.Template))
            .Concat(chart.All<V1Deployment>().Select(d => ($"Deployment {d.Metadata.Name}", d.Spec.Template)));

    // The selectors the run uses are key=value terms; anything else is not matched here.
    private static bool Selects(string selector, IDictionary<string, string> labels) =>
        selector.Split(',').All(term => term.Split('=') is [var key, var value]
            ? labels.TryGetValue(key, out var actual) && actual == value
            : throw new InvalidOperationException($"the test matches key=value selectors only, not '{term}'"));
}
