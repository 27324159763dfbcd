using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks.Video;

/// <summary>
/// The temporal half of Make-A-Video's pseudo-3-D convolution (Singer et al., 2022, section 3.2): GroupNorm, SiLU
/// and a 1-D convolution of kernel 3 over the frames at each pixel, added to the input as a residual branch.
/// Its conv starts at zero, so a new layer is the identity and a video UNet built from an image UNet starts as it.
/// (B*F, C, H, W) -> (B*F, C, H, W).
/// </summary>
internal sealed class TemporalConvolution : nn.Module
{
    [ComponentName(Name = "norm")]
    private readonly GroupNorm _norm;

    [ComponentName(Name = "conv")]
    private readonly Conv1d _conv;

    public TemporalConvolution(long channels)
        : base(nameof(TemporalConvolution))
    {
        _norm = Normalization.Group(channels);
        _conv = nn.Conv1d(channels, channels, 3, padding: 1);
        using (no_grad())
        {
            nn.init.zeros_(_conv.weight!);
            nn.init.zeros_(_conv.bias!);
        }

        RegisterComponents();
    }

    /// <param name="h">Frames folded into the batch, (B*F, C, H, W), frame-major within each sample.</param>
    /// <param name="frames">F.</param>
    /// <param name="keep">1 where a sample is a video, 0 where it is an image, float (B*F, 1, 1, 1); null: all videos.</param>
    public Tensor forward(Tensor h, long frames, Tensor? keep)
    {
        using var scope = NewDisposeScope();
        var (c, height, width) = (h.shape[1], h.shape[2], h.shape[3]);
        var batch = h.shape[0] / frames;
        // (B*F, C, H, W) -> (B, F, C, H, W) -> (B, H, W, C, F) -> (B*H*W, C, F): one sequence of frames per pixel.
        var sequences = nn.functional.silu(_norm.call(h))
            .view(batch, frames, c, height, width)
            .permute(0, 3, 4, 2, 1)
            .reshape(batch * height * width, c, frames);
        var mixed = _conv.call(sequences)                                   // (B*H*W, C, F), zero-padded at the ends
            .view(batch, height, width, c, frames)
            .permute(0, 4, 3, 1, 2)
            .reshape(batch * frames, c, height, width);                     // back to (B*F, C, H, W)
        if (keep is not null)
        {
            mixed = mixed.mul(keep);
        }

        return h.add(mixed, One).MoveToOuterDisposeScope();
    }
}
