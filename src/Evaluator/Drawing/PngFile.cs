using SkiaSharp;

namespace Orchestrator.Evaluator.Drawing;

/// <summary>Writes a bitmap as PNG to a temporary file, then renames it, so readers never see half a file.</summary>
internal static class PngFile
{
    public static void Write(string path, SKBitmap bitmap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write {path}: folder {folder} does not exist.");
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var image = SKImage.FromBitmap(bitmap))
            using (var data = image.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException($"SkiaSharp could not encode a {bitmap.Width}x{bitmap.Height} PNG for {path}."))
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                data.SaveTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
