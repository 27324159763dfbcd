using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Core.Checkpoints;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// Maps the names in a request to files of the store, and to nothing else: a checkpoint is named by
/// <c>latest</c>, a pin label or its step-N folder name (never a path, never a <c>.tmp-</c> folder of a
/// save in progress), and a file by a name its manifest lists (or manifest.json itself). Symbolic links
/// are never followed, so a link planted in a folder cannot point a request outside it.
/// </summary>
internal static partial class ServedPaths
{
    /// <summary>Whether a request segment is one plain name; anything else (a path, ., ..) is a bad request.</summary>
    public static bool IsPlainName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    /// <summary>The checkpoint folder <paramref name="reference"/> names, or null when there is none to serve.</summary>
    public static string? Folder(CheckpointStore store, string reference)
    {
        if (!IsPlainName(reference))
        {
            return null;
        }

        var named = reference == CheckpointStore.LatestPointer || StepFolderName().IsMatch(reference) || store.Pins().ContainsKey(reference);
        if (!named)
        {
            return null;
        }

        string folder;
        try
        {
            folder = store.Resolve(reference);
        }
        catch (CheckpointNotFoundException)
        {
            return null;
        }

        var inStore = string.Equals(Path.GetDirectoryName(folder), store.Directory, StringComparison.Ordinal)
            && StepFolderName().IsMatch(Path.GetFileName(folder));
        return inStore && new DirectoryInfo(folder).LinkTarget is null ? folder : null;
    }

    /// <summary>The folder's manifest, or null when it cannot be read (then nothing of the folder is served).</summary>
    public static CheckpointManifest? Manifest(string folder)
    {
        try
        {
            return CheckpointManifest.FromJson(System.IO.File.ReadAllText(Path.Combine(folder, CheckpointStore.ManifestFile)));
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The path of a file the manifest lists (or the manifest), or null when it is not one to serve.</summary>
    public static string? File(string folder, CheckpointManifest manifest, string fileName)
    {
        if (!IsPlainName(fileName) || (fileName != CheckpointStore.ManifestFile && !manifest.Files.ContainsKey(fileName)))
        {
            return null;
        }

        var file = new FileInfo(Path.Combine(folder, fileName));
        return file.Exists && file.LinkTarget is null ? file.FullName : null;
    }

    [GeneratedRegex("^step-[0-9]+$")]
    private static partial Regex StepFolderName();
}
