using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Core.Safetensors;
using Orchestrator.Core.Telemetry;

namespace Orchestrator.Core.Checkpoints;

/// <summary>
/// A directory of checkpoints (DESIGN.md, "Checkpoints"): folders step-NNNNNNNN/ each holding
/// safetensors files and manifest.json, a <c>latest</c> file naming the newest complete folder,
/// and <c>pin-&lt;label&gt;</c> files naming folders kept whatever their age (such as the best
/// by an evaluation metric).
/// </summary>
/// <remarks>
/// A save writes a hidden <c>.tmp-*</c> folder, fsyncs every file and the folder, renames it into
/// place and then replaces <c>latest</c> by rename, so a crash at any point leaves either the old
/// or the new checkpoint named, never a half-written one. Only one process may save into a
/// directory (the run's checkpointer); any number may read. Saving also removes the temporaries
/// of crashed saves and applies retention, so readers never delete anything.
/// </remarks>
public sealed partial class CheckpointStore
{
    /// <summary>The pointer file that names the newest checkpoint.</summary>
    public const string LatestPointer = "latest";

    /// <summary>The manifest's file name inside a checkpoint folder.</summary>
    public const string ManifestFile = "manifest.json";

    private const string TemporaryPrefix = ".tmp-";
    private const string PinPrefix = "pin-";

    private readonly string _directory;
    private readonly int _keepLast;

    /// <param name="directory">The checkpoint directory; created on the first save.</param>
    /// <param name="keepLast">How many of the newest checkpoints retention keeps (at least 1).</param>
    public CheckpointStore(string directory, int keepLast = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        _directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        _keepLast = keepLast;
    }

    public string Directory => _directory;

    /// <summary>The folder name of a step: zero-padded to 8 digits, so that names sort by step.</summary>
    public static string FolderName(long step) => "step-" + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a checkpoint, points <c>latest</c> at it and applies retention; the checkpoint span is a
    /// child of <paramref name="parent"/> (the run span) when given.
    /// </summary>
    public CheckpointInfo Save(CheckpointContent content, ActivityContext parent = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(content.Step);
        if (content.Files.Count == 0)
        {
            throw new ArgumentException("a checkpoint needs at least one file", nameof(content));
        }

        foreach (var fileName in content.Files.Keys)
        {
            if (!IsPlainFileName(fileName) || !fileName.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                throw new ArgumentException($"checkpoint file name \"{fileName}\"; expected a plain name ending in .safetensors", nameof(content));
            }
        }

        using var activity = OrchestratorTelemetry.ActivitySource.StartActivity(OrchestratorTelemetry.CheckpointSpan, ActivityKind.Internal, parent);
        activity?.SetTag("step", content.Step);
        var clock = Stopwatch.StartNew();
        System.IO.Directory.CreateDirectory(_directory);
        RemoveTemporaries();

        var name = FolderName(content.Step);
        var temporary = Path.Combine(_directory, $"{TemporaryPrefix}{name}-{RandomSuffix()}");
        var final = Path.Combine(_directory, name);
        CheckpointManifest manifest;
        try
        {
            System.IO.Directory.CreateDirectory(temporary);
            manifest = WriteFolder(temporary, content);
            if (System.IO.Directory.Exists(final))
            {
                // The same step saved again (a resume that ended where the last save was): the old
                // folder goes aside first, since a rename cannot replace a non-empty folder.
                var aside = Path.Combine(_directory, $"{TemporaryPrefix}replaced-{name}-{RandomSuffix()}");
                System.IO.Directory.Move(final, aside);
                System.IO.Directory.Move(temporary, final);
                System.IO.Directory.Delete(aside, recursive: true);
            }
            else
            {
                System.IO.Directory.Move(temporary, final);
            }

            DirectorySync.Flush(_directory);
        }
        catch
        {
            if (System.IO.Directory.Exists(temporary))
            {
                System.IO.Directory.Delete(temporary, recursive: true);
            }

            throw;
        }

        WritePointer(LatestPointer, name);
        ApplyRetention();
        OrchestratorTelemetry.RecordCheckpointDuration(clock.Elapsed.TotalSeconds);
        return new CheckpointInfo(name, final, content.Step, IsLatest: true, PinsOf(name), manifest);
    }

    /// <summary>The checkpoint folders, oldest first; temporaries of unfinished saves are not listed.</summary>
    public IReadOnlyList<CheckpointInfo> List()
    {
        var latest = ReadPointer(LatestPointer);
        var pins = Pins();
        return StepFolders()
            .Select(f => new CheckpointInfo(
                f.Name, Path.Combine(_directory, f.Name), f.Step, f.Name == latest,
                pins.Where(p => p.Value == f.Name).Select(p => p.Key).Order(StringComparer.Ordinal).ToArray(),
                TryReadManifest(Path.Combine(_directory, f.Name))))
            .ToArray();
    }

    /// <summary>
    /// The folder a reference names: <c>latest</c>, a pin label, a folder name of this store, or
    /// a path to a checkpoint folder. Throws <see cref="CheckpointNotFoundException"/> when there is none.
    /// </summary>
    public string Resolve(string reference)
    {
        string? path = null;
        if (reference == LatestPointer)
        {
            var latest = ReadPointer(LatestPointer)
                ?? throw new CheckpointNotFoundException(_directory, $"{_directory}: no checkpoint yet (no {LatestPointer} pointer)");
            path = Path.Combine(_directory, latest);
        }
        else if (IsPlainFileName(reference) && ReadPointer(PinPrefix + reference) is { } pinned)
        {
            path = Path.Combine(_directory, pinned);
        }
        else if (IsPlainFileName(reference) && System.IO.Directory.Exists(Path.Combine(_directory, reference)))
        {
            path = Path.Combine(_directory, reference);
        }
        else if (System.IO.Directory.Exists(reference))
        {
            path = Path.GetFullPath(reference);
        }

        if (path is null || !System.IO.Directory.Exists(path))
        {
            throw new CheckpointNotFoundException(_directory,
                $"{_directory}: no checkpoint \"{reference}\"{(path is null ? "" : $" ({path} does not exist)")}; " +
                $"expected {LatestPointer}, a pin label, a step-N folder name or a checkpoint folder path");
        }

        return path;
    }

    /// <summary>Verifies and reads the checkpoint a reference names (see <see cref="Resolve"/>); no fallback.</summary>
    public LoadedCheckpoint Load(string reference) => LoadFolder(Resolve(reference));

    /// <summary>
    /// The checkpoint <c>latest</c> names; if it does not verify, <paramref name="warn"/> hears why and
    /// the newest older checkpoint that verifies is loaded instead.
    /// </summary>
    public LoadedCheckpoint LoadLatest(Action<string>? warn = null) =>
        TryLoadLatest(warn) ?? throw new CheckpointNotFoundException(_directory, $"{_directory}: no checkpoint to load");

    /// <summary>As <see cref="LoadLatest"/>, but null when the directory holds no checkpoint at all (a fresh run).</summary>
    public LoadedCheckpoint? TryLoadLatest(Action<string>? warn = null)
    {
        var folders = StepFolders().OrderByDescending(f => f.Step).ToList();
        var latest = ReadPointer(LatestPointer);
        if (latest is null && folders.Count == 0)
        {
            return null;
        }

        var candidates = new List<string>();
        if (latest is null)
        {
            warn?.Invoke($"{_directory}: no {LatestPointer} pointer; trying the newest checkpoint folder");
            candidates.AddRange(folders.Select(f => f.Name));
        }
        else
        {
            candidates.Add(latest);
            var latestStep = ParseStep(latest);
            candidates.AddRange(folders.Where(f => f.Name != latest && (latestStep is null || f.Step < latestStep)).Select(f => f.Name));
        }

        var reasons = new List<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                return LoadFolder(Path.Combine(_directory, candidate));
            }
            catch (Exception e) when (e is CheckpointCorruptException or SafetensorsException)
            {
                warn?.Invoke($"checkpoint {candidate} cannot be used: {e.Message}; falling back to the one before it");
                reasons.Add($"{candidate}: {e.Message}");
            }
        }

        throw new CheckpointNotFoundException(_directory,
            $"{_directory}: no checkpoint verifies:\n" + string.Join('\n', reasons));
    }

    /// <summary>Verifies every file of a checkpoint folder against its manifest and reads it.</summary>
    public static LoadedCheckpoint LoadFolder(string path)
    {
        path = Path.GetFullPath(path);
        var manifestPath = Path.Combine(path, ManifestFile);
        if (!System.IO.Directory.Exists(path))
        {
            throw new CheckpointCorruptException(path, "checkpoint folder is missing");
        }

        CheckpointManifest manifest;
        try
        {
            manifest = CheckpointManifest.FromJson(File.ReadAllText(manifestPath));
        }
        catch (FileNotFoundException e)
        {
            throw new CheckpointCorruptException(manifestPath, "manifest is missing", inner: e);
        }
        catch (JsonException e)
        {
            throw new CheckpointCorruptException(manifestPath, $"manifest is not valid: {e.Message}", inner: e);
        }

        if (manifest.FormatVersion != CheckpointManifest.CurrentFormatVersion)
        {
            throw new CheckpointCorruptException(manifestPath,
                $"format_version {manifest.FormatVersion}; expected {CheckpointManifest.CurrentFormatVersion}");
        }

        var files = new Dictionary<string, SafetensorsContent>(StringComparer.Ordinal);
        foreach (var (fileName, entry) in manifest.Files)
        {
            var filePath = Path.Combine(path, fileName);
            if (!IsPlainFileName(fileName))
            {
                throw new CheckpointCorruptException(manifestPath, $"file name \"{fileName}\"; expected a name inside the folder");
            }

            Verify(filePath, entry);
            files[fileName] = SafetensorsFile.Read(filePath);
        }

        return new LoadedCheckpoint(path, manifest, files);
    }

    /// <summary>Pins a checkpoint folder under a label (such as best) so that retention keeps it.</summary>
    public void Pin(string label, string folderName)
    {
        if (!PinLabel().IsMatch(label))
        {
            throw new ArgumentException($"pin label \"{label}\"; expected letters, digits, _ or -", nameof(label));
        }

        if (ParseStep(folderName) is null || !System.IO.Directory.Exists(Path.Combine(_directory, folderName)))
        {
            throw new CheckpointNotFoundException(_directory, $"{_directory}: no checkpoint folder \"{folderName}\" to pin");
        }

        WritePointer(PinPrefix + label, folderName);
    }

    /// <summary>Removes a pin; the folder it named is then subject to retention on the next save.</summary>
    public void Unpin(string label) => File.Delete(Path.Combine(_directory, PinPrefix + label));

    /// <summary>Pin labels and the folders they name.</summary>
    public IReadOnlyDictionary<string, string> Pins()
    {
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!System.IO.Directory.Exists(_directory))
        {
            return pins;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(_directory, PinPrefix + "*"))
        {
            var label = Path.GetFileName(file)[PinPrefix.Length..];
            if (ReadPointer(PinPrefix + label) is { } folder)
            {
                pins[label] = folder;
            }
        }

        return pins;
    }

    private static CheckpointManifest WriteFolder(string folder, CheckpointContent content)
    {
        var entries = new SortedDictionary<string, CheckpointFileEntry>(StringComparer.Ordinal);
        foreach (var (fileName, tensors) in content.Files)
        {
            var filePath = Path.Combine(folder, fileName);
            SafetensorsFile.Write(filePath, tensors);
            FlushFile(filePath);
            // Hash what is on disk, not what was meant to be written.
            entries[fileName] = new CheckpointFileEntry(Sha256(filePath), new FileInfo(filePath).Length);
        }

        var manifest = new CheckpointManifest
        {
            RunName = content.RunName,
            Step = content.Step,
            Epoch = content.Epoch,
            SamplesSeen = content.SamplesSeen,
            WorldSize = content.WorldSize,
            Seed = content.Seed,
            RunSpec = content.RunSpec,
            CreatedUtc = DateTimeOffset.UtcNow,
            Files = entries,
            Metrics = new SortedDictionary<string, double>(content.Metrics.ToDictionary(), StringComparer.Ordinal),
        };
        var manifestPath = Path.Combine(folder, ManifestFile);
        File.WriteAllText(manifestPath, manifest.ToJson());
        FlushFile(manifestPath);
        DirectorySync.Flush(folder);
        return manifest;
    }

    private static void Verify(string filePath, CheckpointFileEntry entry)
    {
        if (!File.Exists(filePath))
        {
            throw new CheckpointCorruptException(filePath, $"file is missing; expected sha256 {entry.Sha256}", entry.Sha256);
        }

        var actual = Sha256(filePath);
        var length = new FileInfo(filePath).Length;
        if (length != entry.Bytes || !string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointCorruptException(filePath,
                $"file is damaged: {length} bytes with sha256 {actual}; expected {entry.Bytes} bytes with sha256 {entry.Sha256}",
                entry.Sha256, actual);
        }
    }

    /// <summary>Keeps the newest K folders, every pinned folder and the one latest names; deletes the rest.</summary>
    private void ApplyRetention()
    {
        var keep = new HashSet<string>(Pins().Values, StringComparer.Ordinal);
        if (ReadPointer(LatestPointer) is { } latest)
        {
            keep.Add(latest);
        }

        var folders = StepFolders().OrderByDescending(f => f.Step).ToList();
        keep.UnionWith(folders.Take(_keepLast).Select(f => f.Name));
        foreach (var folder in folders.Where(f => !keep.Contains(f.Name)))
        {
            // Renamed first, so that a crash mid-delete leaves a temporary, not a damaged checkpoint.
            var doomed = Path.Combine(_directory, $"{TemporaryPrefix}deleted-{folder.Name}-{RandomSuffix()}");
            System.IO.Directory.Move(Path.Combine(_directory, folder.Name), doomed);
            System.IO.Directory.Delete(doomed, recursive: true);
        }
    }

    private void RemoveTemporaries()
    {
        foreach (var folder in System.IO.Directory.EnumerateDirectories(_directory, TemporaryPrefix + "*"))
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(_directory, TemporaryPrefix + "*"))
        {
            File.Delete(file);
        }
    }

    private void WritePointer(string pointer, string folderName)
    {
        var temporary = Path.Combine(_directory, $"{TemporaryPrefix}{pointer}-{RandomSuffix()}");
        File.WriteAllText(temporary, folderName + "\n");
        FlushFile(temporary);
        // rename(2) replaces the old pointer atomically: readers see the old name or the new one.
        File.Move(temporary, Path.Combine(_directory, pointer), overwrite: true);
        DirectorySync.Flush(_directory);
    }

    private string? ReadPointer(string pointer)
    {
        var path = Path.Combine(_directory, pointer);
        if (!File.Exists(path))
        {
            return null;
        }

        var name = File.ReadAllText(path).Trim();
        return IsPlainFileName(name) ? name : null;
    }

    private IReadOnlyList<string> PinsOf(string folderName) =>
        Pins().Where(p => p.Value == folderName).Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();

    private IEnumerable<(string Name, long Step)> StepFolders()
    {
        if (!System.IO.Directory.Exists(_directory))
        {
            return [];
        }

        return System.IO.Directory.EnumerateDirectories(_directory)
            .Select(Path.GetFileName)
            .Select(name => (Name: name!, Step: ParseStep(name!)))
            .Where(f => f.Step is not null)
            .Select(f => (f.Name, f.Step!.Value))
            .OrderBy(f => f.Item2)
            .ToArray();
    }

    private static CheckpointManifest? TryReadManifest(string folder)
    {
        try
        {
            return CheckpointManifest.FromJson(File.ReadAllText(Path.Combine(folder, ManifestFile)));
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static long? ParseStep(string folderName)
    {
        var match = StepFolderName().Match(folderName);
        return match.Success && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? step
            : null;
    }

    private static bool IsPlainFileName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    private static void FlushFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        RandomAccess.FlushToDisk(handle);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    [GeneratedRegex("^step-([0-9]+)$")]
    private static partial Regex StepFolderName();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex PinLabel();
}
