using Orchestrator.Core.Safetensors;

namespace Orchestrator.Core.Checkpoints;

/// <summary>A checkpoint whose files were verified against its manifest and read.</summary>
public sealed class LoadedCheckpoint(string path, CheckpointManifest manifest, IReadOnlyDictionary<string, SafetensorsContent> files)
{
    /// <summary>Full path of the checkpoint folder.</summary>
    public string Path => path;

    /// <summary>Folder name, such as step-00000100.</summary>
    public string Name => System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(path));

    public CheckpointManifest Manifest => manifest;

    /// <summary>Each safetensors file by name, such as model.safetensors.</summary>
    public IReadOnlyDictionary<string, SafetensorsContent> Files => files;

    /// <summary>One file's tensors; a KeyNotFoundException naming the folder if the checkpoint lacks it.</summary>
    public SafetensorsContent this[string fileName] => files.TryGetValue(fileName, out var content)
        ? content
        : throw new KeyNotFoundException(
            $"{path}: no file {fileName}; the checkpoint holds {string.Join(", ", files.Keys)}");
}
