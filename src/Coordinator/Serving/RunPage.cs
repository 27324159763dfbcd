using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Orchestrator.Coordinator.Run;
using Orchestrator.Core.Checkpoints;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// The run page (docs/telemetry.md, "The run page"): a read-only web page on the checkpoint service's
/// server, and the JSON it draws from. <c>GET /run</c> is the page itself, which holds no run data and is
/// the one path served without the token; its script sends the token (from the URL fragment) as the
/// bearer token to <c>/run/api/status</c>, <c>/run/api/series</c>, <c>/run/api/checkpoints</c> and
/// <c>/run/api/grid.png</c>.
/// </summary>
/// <param name="status">The run's live state.</param>
/// <param name="store">The run's checkpoints, listed with their manifests' metrics and the evaluations'.</param>
/// <param name="members">The cluster's members now.</param>
public sealed class RunPage(RunStatus status, CheckpointStore store, Func<IReadOnlyList<RunMember>> members)
{
    public const string PagePath = "/run";

    private static readonly Lazy<byte[]> Html = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("run-page.html")
            ?? throw new InvalidOperationException("the run page is missing from the assembly's resources");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    internal void Map(WebApplication app, string[] methods)
    {
        app.MapMethods(PagePath, methods, (HttpContext context) =>
        {
            // The page's own script and styles only; no framing, no referrer (the address may carry the token).
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src blob:; connect-src 'self'; frame-ancestors 'none'";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(Html.Value, "text/html; charset=utf-8");
        });
        app.MapMethods(PagePath + "/api/status", methods, () => Results.Json(Status(), CheckpointService.Json));
        app.MapMethods(PagePath + "/api/series", methods, () => Results.Json(Series(), CheckpointService.Json));
        app.MapMethods(PagePath + "/api/checkpoints", methods, () => Results.Json(new { checkpoints = Checkpoints() }, CheckpointService.Json));
        app.MapMethods(PagePath + "/api/grid.png", methods, () =>
        {
            // Only the file the newest evaluation named: nothing of the request picks a path.
            var grid = status.Read().Evaluations.LastOrDefault()?.GridPath;
            return grid is not null && File.Exists(grid) ? Results.File(Path.GetFullPath(grid), "image/png") : Results.NotFound();
        });
    }

    private object Status()
    {
        var run = status.Read();
        var evaluation = run.Evaluations.LastOrDefault();
        return new
        {
            run = run.Run,
            state = run.State,
            reason = run.Reason,
            step = run.Step,
            total_steps = run.TotalSteps,
            world_size = run.WorldSize,
            generation = run.Generation,
            loss = run.Latest?.Loss,
            samples_per_second = run.Latest?.SamplesPerSecond,
            step_seconds_by_rank = run.Latest?.StepSecondsByRank ?? [],
            members = members(),
            events = run.Events,
            newest_grid = evaluation is null ? null : new { step = evaluation.Step },
        };
    }

    private object Series()
    {
        var run = status.Read();
        return new
        {
            steps = run.Steps.Select(s => new { step = s.Step, loss = s.Loss, samples_per_second = s.SamplesPerSecond, step_seconds_by_rank = s.StepSecondsByRank }),
            evaluations = run.Evaluations.Select(e => new { step = e.Step, metrics = e.Metrics, frechet_metric = e.FrechetMetric, evaluator = e.Evaluator }),
        };
    }

    // A manifest holds the metrics known when the checkpoint was written (the loss); its evaluation comes later.
    private IEnumerable<object> Checkpoints()
    {
        var evaluations = status.Read().Evaluations.GroupBy(e => e.Step).ToDictionary(g => g.Key, g => g.Last().Metrics);
        return store.List()
            .Where(i => i.Manifest is not null)
            .Select(i => new
            {
                name = i.Name,
                step = i.Step,
                is_latest = i.IsLatest,
                pins = i.Pins,
                created_utc = i.Manifest!.CreatedUtc,
                metrics = evaluations.TryGetValue(i.Step, out var measured)
                    ? i.Manifest.Metrics.Concat(measured).GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.Last().Value)
                    : i.Manifest.Metrics.ToDictionary(),
            })
            .ToList();
    }
}
