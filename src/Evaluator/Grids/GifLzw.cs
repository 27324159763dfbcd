namespace Orchestrator.Evaluator.Grids;

/// <summary>
/// The variable-length-code LZW compression of GIF image data (GIF89a specification, appendix F): codes of
/// minimum code size + 1 bits growing to 12, a clear code first and whenever the 4096-entry table is full, an
/// end-of-information code last, packed least significant bit first.
/// </summary>
internal static class GifLzw
{
    private const int MaxCodeBits = 12;
    private const int TableSize = 1 << MaxCodeBits;

    /// <summary>Compresses palette indices (each below 2^minCodeSize) to the packed code stream, before sub-blocking.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> indices, int minCodeSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minCodeSize, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minCodeSize, 8);
        var clear = 1 << minCodeSize;
        var end = clear + 1;
        var writer = new BitWriter();
        // Strings are keyed by (code of their prefix, last index): prefix << 8 | index.
        var table = new Dictionary<int, int>();
        var codeBits = minCodeSize + 1;
        var next = end + 1;
        writer.Write(clear, codeBits);
        if (indices.IsEmpty)
        {
            writer.Write(end, codeBits);
            return writer.ToArray();
        }

        var prefix = (int)indices[0];
        for (var i = 1; i < indices.Length; i++)
        {
            int index = indices[i];
            if (index >= clear)
            {
                throw new ArgumentException($"index {index} at pixel {i} does not fit {minCodeSize} bits.", nameof(indices));
            }

            var key = prefix << 8 | index;
            if (table.TryGetValue(key, out var code))
            {
                prefix = code;
                continue;
            }

            writer.Write(prefix, codeBits);
            if (next < TableSize)
            {
                table[key] = next++;
                // The decoder adds its entry one code later, and widens its codes when its next free code passes
                // the current width: the encoder widens one entry later to match.
                if (next > 1 << codeBits && codeBits < MaxCodeBits)
                {
                    codeBits++;
                }
            }
            else
            {
                writer.Write(clear, codeBits);
                table.Clear();
                codeBits = minCodeSize + 1;
                next = end + 1;
            }

            prefix = index;
        }

        writer.Write(prefix, codeBits);
        // The decoder still adds an entry for the last code, and may widen before it reads the end code.
        if (next < TableSize && next + 1 > 1 << codeBits && codeBits < MaxCodeBits)
        {
            codeBits++;
        }

        writer.Write(end, codeBits);
        return writer.ToArray();
    }

    /// <summary>Packs codes least significant bit first into bytes.</summary>
    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _buffer;
        private int _bits;

        public void Write(int code, int bits)
        {
            _buffer |= code << _bits;
            _bits += bits;
            while (_bits >= 8)
            {
                _bytes.Add((byte)_buffer);
                _buffer >>= 8;
                _bits -= 8;
            }
        }

        public byte[] ToArray()
        {
            if (_bits > 0)
            {
                _bytes.Add((byte)_buffer);
                _buffer = 0;
                _bits = 0;
            }

            return [.. _bytes];
        }
    }
}
