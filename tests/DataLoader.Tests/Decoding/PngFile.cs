using System.Buffers.Binary;
using System.IO.Compression;

namespace Orchestrator.DataLoader.Tests.Decoding;

/// <summary>
/// Writes PNG files byte by byte (PNG spec, ISO/IEC 15948): the bit depths and colour types SkiaSharp's
/// encoder does not produce (16-bit, palette, grayscale) and headers that lie about the image's size.
/// </summary>
internal static class PngFile
{
    public const byte Grayscale = 0;
    public const byte Rgb = 2;
    public const byte Palette = 3;
    public const byte Rgba = 6;

    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>A PNG of <paramref name="rows"/> (each row's samples, big-endian for 16 bits, no filter byte).</summary>
    public static byte[] Write(int width, int height, byte bitDepth, byte colourType, byte[][] rows, byte[]? palette = null)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            foreach (byte[] row in rows)
            {
                zlib.WriteByte(0);
                zlib.Write(row);
            }
        }

        return WithHeader(width, height, bitDepth, colourType, compressed.ToArray(), palette);
    }

    /// <summary>A PNG whose header claims <paramref name="width"/> x <paramref name="height"/> RGB but whose data hold one empty row.</summary>
    public static byte[] HeaderOnly(int width, int height)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(new byte[1 + 3]);
        }

        return WithHeader(width, height, 8, Rgb, compressed.ToArray(), null);
    }

    private static byte[] WithHeader(int width, int height, byte bitDepth, byte colourType, byte[] idat, byte[]? palette)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colourType;
        Chunk(png, "IHDR", header);
        if (palette is not null)
        {
            Chunk(png, "PLTE", palette);
        }

        Chunk(png, "IDAT", idat);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        byte[] typed = [.. type.Select(c => (byte)c), .. data];
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc(typed));
        png.Write(word);
    }

    // CRC-32 of the chunk type and data (PNG spec, annex D).
    private static uint Crc(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFF;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
