using System.Text.Json.Nodes;

namespace Orchestrator.Integration.Tests.Chart;

/// <summary>The test's renderer: Helm's behaviour within the chart's template subset, and a loud failure outside it.</summary>
public sealed class ChartRendererTests
{
    private static readonly JsonObject Values = ChartValues.Parse(
        "name: run\nport: 8470\nratio: 0.5\nbig: 2000000\nempty: \"\"\nmap: { b: 1, a: [x, \"on\", 2] }\nnone: []\n", "values.yaml");

    [Theory]
    [InlineData("{{ .Values.name }}-{{ .Release.Name }}-{{ .Release.Namespace }}-{{ .Chart.Name }}", "run-r-ns-demo")]
    [InlineData("port: {{ .Values.port | quote }}", "port: \"8470\"")]
    [InlineData("a\n  {{- if .Values.empty }}\nyes\n  {{- else }}\nno\n  {{- end }}\nb", "a\nno\nb")]
    [InlineData("{{- if not .Values.none }}none{{ end }}", "none")]
    [InlineData("x:\n  {{- toYaml .Values.map | nindent 2 }}", "x:\n  a:\n  - x\n  - \"on\"\n  - 2\n  b: 1")]
    [InlineData("{{/* a comment */}}{{ include \"piece\" . | indent 1 }}", " piece of run")]
    [InlineData("{{ .Values.missing.key | toYaml }}", null)]
    public void Renders_helm_templates_of_its_subset(string template, string? expected)
    {
        if (expected is null)
        {
            // A key of a missing map fails as in Helm ("nil pointer evaluating").
            var e = Assert.Throws<TemplateException>(() => Render(template));
            Assert.Contains("nil pointer evaluating .key", e.Message, StringComparison.Ordinal);
            return;
        }
        Assert.Equal(expected, Render(template));
    }

    [Theory]
    [InlineData("{{ range .Values.map }}x{{ end }}", "t.yaml:1: 'range .Values.map' is outside the chart's template subset")]
    [InlineData("a\n{{ default 1 .Values.port }}", "t.yaml:2: function 'default' is outside the chart's template subset")]
    [InlineData("{{ .Values.nothing }}", "t.yaml:1: prints a missing value")]
    [InlineData("{{ .Values.map }}", "t.yaml:1: prints a map or a list: pipe it through toYaml")]
    [InlineData("{{ .Values.big }}", "t.yaml:1: prints the number 2000000")]
    [InlineData("{{ .Values.ratio }}", "t.yaml:1: prints the number 0.5")]
    [InlineData("{{ if .Values.name }}x", "t.yaml:1: an 'if' without its 'end'")]
    [InlineData("{{ end }}", "t.yaml:1: 'end' without a block to close")]
    [InlineData("{{ $x := 1 }}", "t.yaml:1: '$x := 1': only values, quoted strings, integers, functions and | are in the chart's template subset")]
    [InlineData("{{ include \"piece\" .Values }}", "t.yaml:1: include passes the root context (.) only")]
    [InlineData("{{ include \"nothing\" . }}", "t.yaml:1: include of \"nothing\", which no template defines")]
    [InlineData("{{ toYaml (.Values.map) }}", "t.yaml:1: 'toYaml (.Values.map)': only values, quoted strings")]
    [InlineData("{{ .Values.name", "t.yaml:1: an action that is never closed with }}")]
    public void Fails_loudly_outside_its_subset_naming_file_and_line(string template, string expected)
    {
        var e = Assert.Throws<TemplateException>(() => Render(template));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    private static string Render(string template)
    {
        using var chart = new TemporaryFolder();
        Directory.CreateDirectory(Path.Combine(chart.Path, "templates"));
        File.WriteAllText(Path.Combine(chart.Path, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: \"1\"\n");
        File.WriteAllText(Path.Combine(chart.Path, "templates", "_helpers.tpl"), "{{- define \"piece\" -}}\npiece of {{ .Values.name }}\n{{- end }}\n");
        File.WriteAllText(Path.Combine(chart.Path, "templates", "t.yaml"), template);
        return Assert.Single(ChartRenderer.Render(chart.Path, Values, "r", "ns")).Text;
    }
}
