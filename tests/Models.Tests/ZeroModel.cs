using Orchestrator.Models.Networks;
using static TorchSharp.torch;

namespace Orchestrator.Models.Tests;

/// <summary>A denoiser stub that predicts zero noise and remembers its last inputs.</summary>
internal sealed class ZeroModel : DiffusionModel
{
    public ZeroModel()
        : base(nameof(ZeroModel))
    {
    }

    public long[] LastTimesteps { get; private set; } = [];

    public long[][] LastTokens { get; private set; } = [];

    public override Tensor forward(Tensor x, Tensor t, Tensor tokens)
    {
        LastTimesteps = t.data<long>().ToArray();
        var flat = tokens.data<long>().ToArray();
        var length = (int)tokens.shape[1];
        LastTokens = flat.Chunk(length).ToArray();
        return zeros_like(x);
    }
}
