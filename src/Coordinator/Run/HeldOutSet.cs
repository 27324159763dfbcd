using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;
using Orchestrator.Evaluator.Evaluation;

namespace Orchestrator.Coordinator.Run;

/// <summary>The real images the evaluator compares generated ones with: the first rows of the validation shards.</summary>
public static class HeldOutSet
{
    public static async Task<HeldOutImages> LoadAsync(RunSpec spec, CancellationToken cancellationToken)
    {
        var sources = spec.Data.Validation.Count > 0 ? spec.Data.Validation : spec.Data.Train;
        var catalog = await ShardCatalog.OpenAsync(sources, cancellationToken);
        var (images, captions) = await HeldOutReader.ReadFirstAsync(
            catalog, spec.Eval.FrechetSamples, spec.Data.ImageSize, sources[0].Columns, cancellationToken);
        return new HeldOutImages(images, captions);
    }
}
