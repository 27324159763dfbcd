using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// A denoiser eps_theta(x_t, t, c): noisy samples x_t float (B, C, F, H, W), timesteps t int64 (B) and caption
/// tokens int64 (B, L), pad id 0, to the predicted noise, shaped like x_t. Images are clips of F = 1 frame,
/// so image and video models share this interface.
/// </summary>
public abstract class DiffusionModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    protected DiffusionModel(string name)
        : base(name)
    {
    }

    /// <summary>
    /// Denoises a clip batch in which the samples marked in <paramref name="isImage"/> (bool (B), null: none) are
    /// images whose one frame is repeated F times: a model that mixes frames must keep them apart for those samples.
    /// This default is for models whose frames never mix (the image UNet), for which every sample is alike.
    /// </summary>
    public virtual Tensor forward(Tensor x, Tensor t, Tensor tokens, Tensor? isImage) => forward(x, t, tokens);

    /// <summary>Checks the shapes of a forward call; a model calls it first.</summary>
    protected static void CheckInputs(Tensor x, Tensor t, Tensor tokens, long channels)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(tokens);
        if (x.dim() != 5 || x.shape[1] != channels)
        {
            throw new ArgumentException(
                $"expected x of shape (B, {channels}, F, H, W), got ({string.Join(", ", x.shape)}).", nameof(x));
        }

        var batch = x.shape[0];
        if (t.dim() != 1 || t.shape[0] != batch)
        {
            throw new ArgumentException(
                $"expected timesteps of shape ({batch}), got ({string.Join(", ", t.shape)}).", nameof(t));
        }

        if (tokens.dim() != 2 || tokens.shape[0] != batch)
        {
            throw new ArgumentException(
                $"expected tokens of shape ({batch}, L), got ({string.Join(", ", tokens.shape)}).", nameof(tokens));
        }
    }
}
