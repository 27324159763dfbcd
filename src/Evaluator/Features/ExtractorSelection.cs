using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Metrics;

namespace Orchestrator.Evaluator.Features;

/// <summary>The Fréchet-distance extractor the spec's <c>eval.extractor</c> asks for, and whether that makes it FID.</summary>
/// <param name="Extractor">The extractor; the caller disposes it.</param>
/// <param name="Fid">Whether FID is computed, and if not, why (print <see cref="MetricStatus.Reason"/>).</param>
public sealed record ExtractorSelection(IFeatureExtractor Extractor, MetricStatus Fid)
{
    /// <summary>
    /// inception: pytorch-fid's Inception-v3 from eval.inception_weights (a missing file throws); resnet18 and
    /// random-conv: those, FID off; auto: inception when the weights file exists, else resnet18 with FID off and why.
    /// </summary>
    public static ExtractorSelection FromSpec(EvalSection eval)
    {
        ArgumentNullException.ThrowIfNull(eval);
        var fid = InceptionV3Features.Availability(eval.InceptionWeights);
        switch (eval.Extractor)
        {
            case "inception":
                return new ExtractorSelection(InceptionV3Features.Load(eval.InceptionWeights), fid);
            case "auto" when fid.Enabled:
                return new ExtractorSelection(InceptionV3Features.Load(eval.InceptionWeights), fid);
            case "auto" or "resnet18":
                return new ExtractorSelection(new ResNet18OnnxFeatures(), Off(fid, eval.Extractor, "frechet-resnet18"));
            case "random-conv":
                var randomConv = new RandomConvFeatures();
                return new ExtractorSelection(randomConv, Off(fid, eval.Extractor, ((IFeatureExtractor)randomConv).MetricName));
            default:
                throw new ArgumentException(
                    $"eval.extractor is '{eval.Extractor}'; expected auto, inception, resnet18 or random-conv.", nameof(eval));
        }
    }

    // FID is off whenever another extractor runs; say which distance is reported instead.
    private static MetricStatus Off(MetricStatus fid, string extractor, string reported) =>
        fid.Enabled
            ? new MetricStatus("fid", false, $"FID off: eval.extractor is {extractor}; reporting {reported} instead.")
            : fid with { Reason = $"{fid.Reason} Reporting {reported} instead." };
}
