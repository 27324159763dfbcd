using TorchSharp;

namespace Orchestrator.Models.Numerics;

/// <summary>TorchSharp Scalars that live as long as the process: the constants every forward pass passes.</summary>
/// <remarks>
/// Every Scalar handed to TorchSharp here is made explicitly and kept reachable until the op has returned:
/// a .NET number where TorchSharp takes a <see cref="Scalar"/> becomes a temporary Scalar with a finalizer,
/// unreachable while libtorch reads it, so a garbage collection during the native call can free it under
/// libtorch ("Exception raised from toDouble", or silently wrong values). Dispose scopes do not track Scalars.
/// TorchSharp's own <c>a + b</c> makes such a temporary for add's alpha of 1, hence <c>a.add(b, One)</c>.
/// Static fields are never collected, so these need no disposing.
/// </remarks>
internal static class ScalarConstants
{
    /// <summary>The integer 0: arange's start.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The integer 1: add's alpha (as in <c>a + b</c>) and arange's step.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
