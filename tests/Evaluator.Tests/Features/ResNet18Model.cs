using Orchestrator.Evaluator.Features;

namespace Orchestrator.Evaluator.Tests.Features;

/// <summary>One loaded model for the class: each session load reads 63 MB.</summary>
public sealed class ResNet18Model : IDisposable
{
    public ResNet18OnnxFeatures Extractor { get; } = new();

    public void Dispose() => Extractor.Dispose();
}
