namespace Orchestrator.Evaluator.Grids;

/// <summary>
/// A fixed 6x6x6 colour cube (levels 0, 51, ..., 255 per channel: the "web-safe" palette) as a GIF's 256-entry
/// global colour table; the 40 entries after the cube are black. Fixed, so frames need no palette pass and every
/// clip maps colours alike.
/// </summary>
internal static class ColorCube
{
    /// <summary>Levels per channel.</summary>
    public const int Levels = 6;

    /// <summary>Palette entries in the table (GIF tables hold a power of two).</summary>
    public const int Entries = 256;

    /// <summary>The colour table: Entries RGB triples, 768 bytes.</summary>
    public static byte[] Palette { get; } = BuildPalette();

    /// <summary>The palette index of the cube colour nearest to (r, g, b), channel by channel.</summary>
    public static byte IndexOf(byte r, byte g, byte b) =>
        (byte)(Level(r) * Levels * Levels + Level(g) * Levels + Level(b));

    // Rounds 0..255 to the nearest of Levels evenly spaced levels.
    private static int Level(byte value) => (value * (Levels - 1) + 127) / 255;

    private static byte[] BuildPalette()
    {
        var palette = new byte[Entries * 3];
        var step = 255 / (Levels - 1);
        for (var r = 0; r < Levels; r++)
        {
            for (var g = 0; g < Levels; g++)
            {
                for (var b = 0; b < Levels; b++)
                {
                    var entry = 3 * (r * Levels * Levels + g * Levels + b);
                    palette[entry] = (byte)(r * step);
                    palette[entry + 1] = (byte)(g * step);
                    palette[entry + 2] = (byte)(b * step);
                }
            }
        }

        return palette;
    }
}
