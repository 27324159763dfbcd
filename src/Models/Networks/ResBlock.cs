using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// The residual block of DDPM's UNet (Ho et al., 2020, appendix B): GroupNorm, SiLU, 3x3 conv, the timestep
/// embedding projected and added per channel, GroupNorm, SiLU, 3x3 conv, plus the (1x1-projected) input.
/// Dropout is 0 here, so there is no dropout layer.
/// </summary>
internal sealed class ResBlock : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "norm1")]
    private readonly GroupNorm _norm1;

    [ComponentName(Name = "conv1")]
    private readonly Conv2d _conv1;

    [ComponentName(Name = "time_emb_proj")]
    private readonly Linear _timeEmbProj;

    [ComponentName(Name = "norm2")]
    private readonly GroupNorm _norm2;

    [ComponentName(Name = "conv2")]
    private readonly Conv2d _conv2;

    [ComponentName(Name = "conv_shortcut")]
    private readonly Conv2d? _convShortcut;

    public ResBlock(long inChannels, long outChannels, long timeEmbeddingDim)
        : base(nameof(ResBlock))
    {
        _norm1 = Normalization.Group(inChannels);
        _conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        _timeEmbProj = nn.Linear(timeEmbeddingDim, outChannels);
        _norm2 = Normalization.Group(outChannels);
        _conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        _convShortcut = inChannels == outChannels ? null : nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <param name="x">(N, Cin, H, W).</param>
    /// <param name="timeEmbedding">(N, E).</param>
    /// <returns>(N, Cout, H, W).</returns>
    public override Tensor forward(Tensor x, Tensor timeEmbedding)
    {
        using var scope = NewDisposeScope();
        var h = _conv1.call(nn.functional.silu(_norm1.call(x)));
        h = h.add(_timeEmbProj.call(nn.functional.silu(timeEmbedding)).unsqueeze(-1).unsqueeze(-1), One);
        h = _conv2.call(nn.functional.silu(_norm2.call(h)));
        var shortcut = _convShortcut is null ? x : _convShortcut.call(x);
        return shortcut.add(h, One).MoveToOuterDisposeScope();
    }
}
