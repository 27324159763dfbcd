using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Video;
using Orchestrator.Evaluator.Evaluation;
using TorchSharp;

namespace Orchestrator.Coordinator.Run;

/// <summary>The real images the evaluator compares generated ones with: the first rows of the validation shards (in a video run, the frames of their clips).</summary>
public static class HeldOutSet
{
    public static async Task<HeldOutImages> LoadAsync(RunSpec spec, CancellationToken cancellationToken)
    {
        var sources = spec.Data.Validation.Count > 0 ? spec.Data.Validation : spec.Data.Train;
        var catalog = await ShardCatalog.OpenAsync(sources, cancellationToken);
        var clips = ClipRows.For(spec, new VideoSkipCounter());
        var rows = await BatchSource.ReadFirstAsync(catalog, spec.Eval.FrechetSamples, spec.Data.ImageSize, ct: cancellationToken, clips: clips);
        int side = spec.Data.ImageSize;
        int frames = spec.Data.SampleFrames;
        using var scope = torch.NewDisposeScope();
        // (n, 3, F, S, S) -> (n*F, 3, S, S): each frame of a clip is one real image.
        var images = torch.tensor(rows.SelectMany(r => r.Chw).ToArray(), [rows.Count, 3, frames, side, side])
            .permute(0, 2, 1, 3, 4).reshape(rows.Count * frames, 3, side, side).contiguous().MoveToOuterDisposeScope();
        return new HeldOutImages(images, rows.Select(r => r.Caption).ToList(), catalog.Shards.Select(s => s.Path).ToList());
    }
}
