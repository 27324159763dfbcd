namespace Orchestrator.Core.Safetensors;

/// <summary>A safetensors file that cannot be read: the message names the file and, where known, the tensor.</summary>
public sealed class SafetensorsException : Exception
{
    public SafetensorsException(string path, string? tensor, string reason, Exception? inner = null)
        : base(tensor is null ? $"{path}: {reason}" : $"{path}: tensor \"{tensor}\": {reason}", inner)
    {
        Path = path;
        Tensor = tensor;
    }

    public string Path { get; }

    /// <summary>The tensor at fault, or null when the problem is the file or its header.</summary>
    public string? Tensor { get; }
}
