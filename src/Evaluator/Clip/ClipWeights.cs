using System.Runtime.InteropServices;
using Orchestrator.Core.Safetensors;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// Copies Hugging Face CLIP safetensors into a <see cref="ClipModel"/> by state-dict name. Published CLIP files
/// come in float32, float16 or bfloat16; all are widened to float32. Tensors the model lacks (position_ids
/// buffers of older exports) are ignored; a missing tensor or a wrong shape is an error naming file and tensor.
/// </summary>
internal static class ClipWeights
{
    public static void Restore(nn.Module model, string path)
    {
        var file = SafetensorsFile.Read(path);
        using var noGrad = no_grad();
        foreach (var (name, target) in model.state_dict())
        {
            if (!file.TryGet(name, out var saved))
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' is missing; expected shape [{string.Join(", ", target.shape)}] (eval.clip.weights must be a Hugging Face CLIPModel file).");
            }
            if (!saved.Shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' has shape [{string.Join(", ", saved.Shape)}]; the config gives [{string.Join(", ", target.shape)}].");
            }
            using var values = tensor(Widen(saved, name, path), saved.Shape);
            target.copy_(values);
        }
    }

    private static float[] Widen(SafeTensor saved, string name, string path) => saved.Dtype switch
    {
        "F32" => MemoryMarshal.Cast<byte, float>(saved.Data).ToArray(),
        "F16" => [.. MemoryMarshal.Cast<byte, Half>(saved.Data).ToArray().Select(h => (float)h)],
        // bfloat16 is the upper half of a float32.
        "BF16" => [.. MemoryMarshal.Cast<byte, ushort>(saved.Data).ToArray().Select(b => BitConverter.Int32BitsToSingle(b << 16))],
        _ => throw new InvalidDataException($"{path}: tensor '{name}' has dtype {saved.Dtype}; expected F32, F16 or BF16."),
    };
}
