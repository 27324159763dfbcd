using Orchestrator.Evaluator.Grids;

namespace Orchestrator.Evaluator.Tests.Grids;

public sealed class GifLzwTests
{
    /// <summary>
    /// Every length from 1 to 1200 random indices puts the last code at each width change (9 to 10 to 11 bits);
    /// lengths around 4000 put it near the full table's clear code. A strict decoder must read back the indices and
    /// then the end code, with no whole byte after it: image decoders that stop at the last pixel check neither.
    /// </summary>
    [Fact]
    public void Streams_of_every_length_decode_strictly_to_their_indices_and_the_end_code()
    {
        var random = new Random(3);
        var indices = new byte[4600];
        random.NextBytes(indices);
        var lengths = Enumerable.Range(1, 1200).Concat(Enumerable.Range(3600, 1000));

        foreach (var length in lengths)
        {
            var input = indices.AsSpan(0, length);
            var decoded = StrictDecode(GifLzw.Compress(input, 8), 8);
            Assert.True(input.SequenceEqual(decoded), $"length {length}");
        }
    }

    [Fact]
    public void Small_alphabets_and_long_runs_round_trip()
    {
        var runs = Enumerable.Range(0, 9000).Select(i => (byte)(i / 700 % 4)).ToArray();

        Assert.Equal(runs, StrictDecode(GifLzw.Compress(runs, 2), 2));
    }

    [Fact]
    public void An_index_too_wide_for_the_code_size_is_refused_naming_the_pixel()
    {
        var error = Assert.Throws<ArgumentException>(() => GifLzw.Compress([1, 2, 9], 3));

        Assert.Contains("index 9 at pixel 2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The decoder of the GIF89a specification, appendix F, failing on anything after the end code.</summary>
    private static byte[] StrictDecode(byte[] data, int minCodeSize)
    {
        var clear = 1 << minCodeSize;
        var end = clear + 1;
        var output = new List<byte>();
        var table = new List<byte[]>();
        var codeBits = minCodeSize + 1;
        var position = 0;
        byte[]? previous = null;

        void Reset()
        {
            table.Clear();
            for (var i = 0; i < clear; i++)
            {
                table.Add([(byte)i]);
            }

            table.Add([]);
            table.Add([]);
            codeBits = minCodeSize + 1;
            previous = null;
        }

        Reset();
        while (true)
        {
            Assert.True(position + codeBits <= data.Length * 8, "the stream ends before its end code");
            var code = 0;
            for (var bit = 0; bit < codeBits; bit++, position++)
            {
                code |= (data[position / 8] >> (position % 8) & 1) << bit;
            }

            if (code == clear)
            {
                Reset();
                continue;
            }

            if (code == end)
            {
                Assert.True(data.Length * 8 - position < 8, "bytes follow the end code");
                return [.. output];
            }

            byte[] entry;
            if (code < table.Count)
            {
                entry = table[code];
            }
            else
            {
                Assert.True(code == table.Count && previous is not null, $"code {code} is not in the table of {table.Count}");
                entry = [.. previous!, previous![0]];
            }

            if (previous is not null && table.Count < 4096)
            {
                table.Add([.. previous, entry[0]]);
            }

            output.AddRange(entry);
            previous = entry;
            if (table.Count == 1 << codeBits && codeBits < 12)
            {
                codeBits++;
            }
        }
    }
}
