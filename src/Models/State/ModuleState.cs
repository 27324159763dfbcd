using System.Runtime.InteropServices;
using Orchestrator.Core.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.State;

/// <summary>
/// Moves a module's named tensors to and from safetensors records, so that checkpoints hold
/// plain, PyTorch-readable weights under the module's own parameter names.
/// </summary>
public static class ModuleState
{
    /// <summary>Every parameter and buffer of the module, by its state-dict name, copied to host memory.</summary>
    public static List<KeyValuePair<string, SafeTensor>> Capture(nn.Module module)
    {
        var result = new List<KeyValuePair<string, SafeTensor>>();
        foreach (var (name, tensor) in module.state_dict())
        {
            result.Add(new(name, ToSafeTensor(tensor)));
        }
        return result;
    }

    /// <summary>Copies the named tensors into the module; every state-dict entry must be present with its shape.</summary>
    public static void Restore(nn.Module module, SafetensorsContent tensors)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, target) in module.state_dict())
        {
            CopyInto(target, tensors, name);
        }
    }

    /// <summary>Copies the tensor <paramref name="name"/> of <paramref name="tensors"/> into <paramref name="target"/>, which must have its shape.</summary>
    public static void CopyInto(Tensor target, SafetensorsContent tensors, string name)
    {
        string source = tensors.Path;
        if (!tensors.TryGet(name, out var saved))
        {
            throw new InvalidDataException($"{source}: tensor '{name}' is missing; expected shape [{string.Join(", ", target.shape)}].");
        }
        if (!saved.Shape.SequenceEqual(target.shape))
        {
            throw new InvalidDataException(
                $"{source}: tensor '{name}' has shape [{string.Join(", ", saved.Shape)}]; expected [{string.Join(", ", target.shape)}].");
        }
        using var noGrad = torch.no_grad();
        using var loaded = FromSafeTensor(saved, name, source);
        target.copy_(loaded);
    }

    /// <summary>A host copy of a tensor as a safetensors record (F32, F64 or I64).</summary>
    public static SafeTensor ToSafeTensor(Tensor tensor)
    {
        // The scope keeps the intermediate tensors reachable (and frees them): a finalizer must not run mid-copy.
        using var scope = NewDisposeScope();
        var host = tensor.detach().cpu().contiguous();
        return host.dtype switch
        {
            ScalarType.Float32 => new SafeTensor("F32", host.shape, MemoryMarshal.AsBytes(host.data<float>().ToArray().AsSpan()).ToArray()),
            ScalarType.Float64 => new SafeTensor("F64", host.shape, MemoryMarshal.AsBytes(host.data<double>().ToArray().AsSpan()).ToArray()),
            ScalarType.Int64 => new SafeTensor("I64", host.shape, MemoryMarshal.AsBytes(host.data<long>().ToArray().AsSpan()).ToArray()),
            _ => throw new NotSupportedException($"tensor dtype {host.dtype} is not saved in checkpoints"),
        };
    }

    /// <summary>A CPU tensor from a safetensors record.</summary>
    public static Tensor FromSafeTensor(SafeTensor saved, string name, string source) => saved.Dtype switch
    {
        "F32" => torch.tensor(MemoryMarshal.Cast<byte, float>(saved.Data).ToArray(), saved.Shape),
        "F64" => torch.tensor(MemoryMarshal.Cast<byte, double>(saved.Data).ToArray(), saved.Shape),
        "I64" => torch.tensor(MemoryMarshal.Cast<byte, long>(saved.Data).ToArray(), saved.Shape),
        _ => throw new InvalidDataException($"{source}: tensor '{name}' has dtype {saved.Dtype}; expected F32, F64 or I64."),
    };
}
