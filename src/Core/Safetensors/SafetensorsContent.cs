using System.Diagnostics.CodeAnalysis;

namespace Orchestrator.Core.Safetensors;

/// <summary>What a safetensors file holds: tensors in the order of their data, and the header's metadata.</summary>
public sealed class SafetensorsContent
{
    private readonly Dictionary<string, SafeTensor> _byName;

    public SafetensorsContent(
        string path,
        IReadOnlyList<KeyValuePair<string, SafeTensor>> tensors,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
    }

    /// <summary>The file the content was read from.</summary>
    public string Path { get; }

    public IReadOnlyList<KeyValuePair<string, SafeTensor>> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor named <paramref name="name"/>; a KeyNotFoundException naming the file if absent.</summary>
    public SafeTensor this[string name] => _byName.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"{Path}: no tensor named \"{name}\"");

    public bool TryGet(string name, [NotNullWhen(true)] out SafeTensor? tensor) => _byName.TryGetValue(name, out tensor);
}
