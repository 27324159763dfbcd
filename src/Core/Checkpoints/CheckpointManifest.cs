using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Core.Checkpoints;

/// <summary>
/// manifest.json of a checkpoint folder (DESIGN.md, "Checkpoints"): where the run stood, the spec
/// it ran, and the sha256 and size of every other file, so that a load can prove the files whole.
/// No RNG state is stored: every random draw is seeded from (seed, epoch, sample index), so seed
/// and step restore it.
/// </summary>
public sealed class CheckpointManifest
{
    /// <summary>The format this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // A diverged loss is NaN; the checkpoint must still be written.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public string RunName { get; init; } = "";

    /// <summary>Optimizer steps taken; also the data cursor (DESIGN.md, "Data: sample plan and cursor").</summary>
    public long Step { get; init; }

    public long Epoch { get; init; }

    public long SamplesSeen { get; init; }

    public int WorldSize { get; init; }

    public long Seed { get; init; }

    /// <summary>The YAML text of the run spec, as the run was started with it.</summary>
    public string RunSpec { get; init; } = "";

    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Every data file of the folder by file name.</summary>
    public IReadOnlyDictionary<string, CheckpointFileEntry> Files { get; init; } = new Dictionary<string, CheckpointFileEntry>();

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses manifest JSON; throws <see cref="JsonException"/> when it is not a manifest.</summary>
    public static CheckpointManifest FromJson(string json) =>
        JsonSerializer.Deserialize<CheckpointManifest>(json, Options) ?? throw new JsonException("manifest is null");
}

/// <summary>Hash and size of one file of a checkpoint.</summary>
public sealed record CheckpointFileEntry(string Sha256, long Bytes);
