using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features.Inception;

/// <summary>
/// The pools of pytorch-fid's Inception blocks. TensorFlow's Inception (whose weights pytorch-fid ports) averages
/// only the pixels inside the image at the borders, so the 3x3 average pools exclude the zero padding
/// (count_include_pad=False), unlike torchvision's blocks.
/// </summary>
internal static class InceptionPools
{
    /// <summary>3x3 average, stride 1, padding 1, border windows averaged over the pixels they cover.</summary>
    public static Tensor Average3x3(Tensor x) =>
        nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad: false);

    /// <summary>3x3 max, stride 1, padding 1: the pool branch of the last block (pytorch-fid's FIDInceptionE_2).</summary>
    public static Tensor Max3x3(Tensor x) => nn.functional.max_pool2d(x, 3, 1, 1);

    /// <summary>3x3 max, stride 2, no padding: the stem's and the grid-reduction blocks' downsampling.</summary>
    public static Tensor MaxReduce(Tensor x) => nn.functional.max_pool2d(x, 3, 2);
}
