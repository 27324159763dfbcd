using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks.Video;

/// <summary>
/// Attention over the frames at each spatial position, the temporal half of Video Diffusion Models' factorized
/// space-time attention (Ho et al., 2022, section 3): pre-LayerNorm, multi-head self-attention whose scores get a
/// learned bias per head and frame offset (relative position bias, Shaw et al., 2018; clipped at a maximum distance
/// as in T5, Raffel et al., 2020), and an output projection that starts at zero, added to the input.
/// (B*F, C, H, W) -> (B*F, C, H, W); the attention costs B*H*W*F^2*C, the spatial layers B*F*(H*W)^2*C.
/// </summary>
internal sealed class TemporalAttention : nn.Module
{
    private readonly long _heads;
    private readonly long _maxDistance;

    [ComponentName(Name = "norm")]
    private readonly LayerNorm _norm;

    [ComponentName(Name = "to_q")]
    private readonly Linear _toQ;

    [ComponentName(Name = "to_k")]
    private readonly Linear _toK;

    [ComponentName(Name = "to_v")]
    private readonly Linear _toV;

    [ComponentName(Name = "to_out")]
    private readonly Linear _toOut;

    /// <summary>One row per frame offset -maxDistance..maxDistance, one column per head.</summary>
    [ComponentName(Name = "relative_position_bias")]
    private readonly Embedding _relativePositionBias;

    public TemporalAttention(long channels, long heads, long maxDistance)
        : base(nameof(TemporalAttention))
    {
        if (heads < 1 || channels % heads != 0)
        {
            throw new ArgumentException($"expected a head count that divides the width {channels}, got {heads}.",
                nameof(heads));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxDistance, 1);
        _heads = heads;
        _maxDistance = maxDistance;
        _norm = Normalization.Layer(channels);
        _toQ = nn.Linear(channels, channels, hasBias: false);
        _toK = nn.Linear(channels, channels, hasBias: false);
        _toV = nn.Linear(channels, channels, hasBias: false);
        _toOut = nn.Linear(channels, channels);
        _relativePositionBias = nn.Embedding(2 * maxDistance + 1, heads);
        using (no_grad())
        {
            nn.init.zeros_(_toOut.weight!);
            nn.init.zeros_(_toOut.bias!);
            nn.init.zeros_(_relativePositionBias.weight!);
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
        var n = batch * height * width;
        // (B*F, C, H, W) -> (B, F, C, H, W) -> (B, H, W, F, C) -> (B*H*W, F, C): one sequence of frames per pixel.
        var tokens = h.view(batch, frames, c, height, width).permute(0, 3, 4, 1, 2).reshape(n, frames, c);
        var normed = _norm.call(tokens);
        var q = SplitHeads(_toQ.call(normed));                              // (N, heads, F, d)
        var k = SplitHeads(_toK.call(normed));
        var v = SplitHeads(_toV.call(normed));
        using var scale = (1.0 / Math.Sqrt(c / _heads)).ToScalar();
        var scores = q.matmul(k.transpose(2, 3)).mul(scale).add(Bias(frames, h.device), One);  // (N, heads, F, F)
        var attended = scores.softmax(-1).matmul(v).transpose(1, 2).reshape(n, frames, c);   // (N, F, C)
        var mixed = _toOut.call(attended)
            .view(batch, height, width, frames, c)
            .permute(0, 3, 4, 1, 2)
            .reshape(batch * frames, c, height, width);                     // back to (B*F, C, H, W)
        if (keep is not null)
        {
            mixed = mixed.mul(keep);
        }

        return h.add(mixed, One).MoveToOuterDisposeScope();
    }

    /// <summary>The learned bias of key frame j seen from query frame i, per head: (1, heads, F, F).</summary>
    private Tensor Bias(long frames, Device device)
    {
        using var end = frames.ToScalar();
        using var low = (-_maxDistance).ToScalar();
        using var high = _maxDistance.ToScalar();
        var positions = arange(Zero, end, One, int64, device);
        var offsets = positions.unsqueeze(0).sub(positions.unsqueeze(1)).clamp(low, high).add(high);  // (F, F): j - i + D
        return _relativePositionBias.call(offsets).permute(2, 0, 1).unsqueeze(0);
    }

    // (N, F, heads * d) -> (N, heads, F, d)
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, -1).transpose(1, 2);
}
