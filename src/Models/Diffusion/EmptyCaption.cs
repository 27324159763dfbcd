using static TorchSharp.torch;

namespace Orchestrator.Models.Diffusion;

/// <summary>The empty caption's tokens as rows of a token batch: the unconditional input of classifier-free guidance.</summary>
internal static class EmptyCaption
{
    /// <summary>The empty caption padded with the pad id 0 to length tokens, repeated n times: int64 (n, length).</summary>
    public static Tensor Rows(long[] emptyCaption, long n, long length, Device device)
    {
        ArgumentNullException.ThrowIfNull(emptyCaption);
        if (emptyCaption.Length == 0 || emptyCaption.Length > length)
        {
            throw new ArgumentException(
                $"expected an empty caption of 1 to {length} tokens (the caption length), got {emptyCaption.Length}.",
                nameof(emptyCaption));
        }

        var row = new long[length];
        emptyCaption.CopyTo(row, 0);
        using var cpu = tensor(row, int64);
        return cpu.unsqueeze(0).expand(n, length).contiguous().to(device);
    }
}
