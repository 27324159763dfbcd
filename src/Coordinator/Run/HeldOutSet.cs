using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Shards;
using Orchestrator.Evaluator.Evaluation;
using TorchSharp;

namespace Orchestrator.Coordinator.Run;

/// <summary>The real images the evaluator compares generated ones with: the first rows of the validation shards.</summary>
public static class HeldOutSet
{
    public static async Task<HeldOutImages> LoadAsync(RunSpec spec, CancellationToken cancellationToken)
    {
        var sources = spec.Data.Validation.Count > 0 ? spec.Data.Validation : spec.Data.Train;
        var catalog = await ShardCatalog.OpenAsync(sources, cancellationToken);
        var rows = await BatchSource.ReadFirstAsync(catalog, spec.Eval.FrechetSamples, spec.Data.ImageSize, ct: cancellationToken);
        int side = spec.Data.ImageSize;
        var images = torch.tensor(rows.SelectMany(r => r.Chw).ToArray(), [rows.Count, 3, side, side]);
        return new HeldOutImages(images, rows.Select(r => r.Caption).ToList(), catalog.Shards.Select(s => s.Path).ToList());
    }
}
