using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SkiaSharp;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// Turns a folder of captioned images (jpg, jpeg, png; searched recursively, sorted by relative
/// path) into img2dataset-layout shards: key = running index, width and height from the image
/// header, status success. The image bytes are stored unchanged in the <c>jpg</c> column (a PNG
/// stays a PNG; the decoder reads both).
/// </summary>
/// <remarks>
/// Captions come from a sidecar <c>name.txt</c> beside each image, or, when a <see cref="CaptionTable"/>
/// is given, from that table only.
/// </remarks>
public static class ImageFolderImport
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    /// <summary>Whether <paramref name="file"/> has an image extension this import takes.</summary>
    public static bool IsImageName(string file) =>
        ImageExtensions.Contains(Path.GetExtension(file.Trim()).ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>The images of <paramref name="imagesDir"/> with their captions, and the images or table lines that have none.</summary>
    public static ImportPlan Plan(string imagesDir, CaptionTable? captions = null)
    {
        string root = Path.GetFullPath(imagesDir);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Image folder {root} does not exist.");
        }

        var images = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(IsImageName)
            .Select(path => (Path: path, Name: Path.GetRelativePath(root, path).Replace('\\', '/')))
            .OrderBy(image => image.Name, StringComparer.Ordinal)
            .ToList();
        var items = new List<ImportItem>();
        var skipped = new List<ImportSkip>();
        foreach ((string path, string name) in images)
        {
            string? caption;
            try
            {
                caption = captions is null ? Sidecar(path) : captions.TryGet(name, out string found) ? found : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Add(new ImportSkip(name, ImportSkipReason.Unreadable, $"caption file: {e.Message}"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(caption))
            {
                skipped.Add(new ImportSkip(name, ImportSkipReason.NoCaption));
            }
            else
            {
                items.Add(new ImportItem(path, name, caption.Trim()));
            }
        }

        if (captions is not null)
        {
            var present = images.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            skipped.AddRange(captions.Files
                .Where(f => !present.Contains(f.File))
                .OrderBy(f => f.Line)
                .Select(f => new ImportSkip(f.File, ImportSkipReason.MissingImage, $"line {f.Line} of {captions.Source}")));
        }

        return new ImportPlan(items, skipped);
    }

    /// <summary>
    /// Writes the planned images to <paramref name="outDir"/> as 00000.parquet, 00001.parquet, ...;
    /// refuses a folder that already holds .parquet files. <paramref name="progress"/> gets (images done, images in all).
    /// </summary>
    public static async Task<ImportResult> WriteAsync(
        ImportPlan plan,
        string outDir,
        int rowsPerShard,
        int rowGroupSize,
        Action<long, long>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerShard, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        string folder = Path.GetFullPath(outDir);
        if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.parquet").Order(StringComparer.Ordinal).FirstOrDefault() is { } existing)
        {
            throw new ShardException(folder, $"already holds .parquet files ({Path.GetFileName(existing)}, ...); choose an empty folder");
        }

        Directory.CreateDirectory(folder);
        var skipped = new List<ImportSkip>(plan.Skipped);
        var shards = new List<string>();
        var pending = new List<ShardRow>(Math.Min(rowsPerShard, plan.Items.Count));
        long rows = 0;
        for (int i = 0; i < plan.Items.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            ImportItem item = plan.Items[i];
            if (Read(item, rows, out ShardRow? row, out ImportSkip? skip))
            {
                pending.Add(row);
                rows++;
            }
            else
            {
                skipped.Add(skip);
            }

            if (pending.Count == rowsPerShard)
            {
                shards.Add(await FlushAsync(folder, shards.Count, pending, rowGroupSize, ct));
            }

            progress?.Invoke(i + 1, plan.Items.Count);
        }

        if (pending.Count > 0)
        {
            shards.Add(await FlushAsync(folder, shards.Count, pending, rowGroupSize, ct));
        }

        return new ImportResult(shards, rows, skipped);
    }

    private static string? Sidecar(string imagePath)
    {
        string sidecar = Path.ChangeExtension(imagePath, ".txt");
        return File.Exists(sidecar) ? File.ReadAllText(sidecar) : null;
    }

    private static bool Read(
        ImportItem item,
        long index,
        [NotNullWhen(true)] out ShardRow? row,
        [NotNullWhen(false)] out ImportSkip? skip)
    {
        row = null;
        skip = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(item.ImagePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            skip = new ImportSkip(item.Name, ImportSkipReason.Unreadable, e.Message);
            return false;
        }

        // SKCodec reads only the header here: the size is known without decoding the pixels.
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null || bytes.Length == 0)
        {
            skip = new ImportSkip(item.Name, ImportSkipReason.NotAnImage);
            return false;
        }

        SKSizeI size = codec.Info.Size;
        row = new ShardRow(index.ToString("D9", CultureInfo.InvariantCulture), item.Caption, bytes)
        {
            Width = size.Width,
            Height = size.Height,
            OriginalWidth = size.Width,
            OriginalHeight = size.Height,
        };
        return true;
    }

    private static async Task<string> FlushAsync(string folder, int shardIndex, List<ShardRow> rows, int rowGroupSize, CancellationToken ct)
    {
        string path = Path.Combine(folder, shardIndex.ToString("D5", CultureInfo.InvariantCulture) + ".parquet");
        await ShardWriter.WriteAsync(path, rows, rowGroupSize, ct);
        rows.Clear();
        return path;
    }
}
