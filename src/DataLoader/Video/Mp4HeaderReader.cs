using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Reads the header of an ISO base media file (mp4, mov: ISO/IEC 14496-12) from its bytes, without
/// decoding: the first video track's size, codec, frame count and frame rate, so that absurd
/// dimensions, missing streams, empty tracks and cut files are refused before FFmpeg starts.
/// </summary>
/// <remarks>
/// Boxes are (32-bit size, 4-byte type[, 64-bit size when size is 1; to end of file when 0]); the
/// path read is moov/trak/mdia/{mdhd, hdlr, minf/stbl/{stsd, stts}} (14496-12 sections 8.4, 8.5, 8.6).
/// A top-level box that claims more bytes than the file holds, or an ftyp without a moov, is a cut file.
/// </remarks>
internal static class Mp4HeaderReader
{
    private static readonly HashSet<string> TopLevelTypes = new(StringComparer.Ordinal)
    {
        "ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "styp", "sidx", "moof", "mfra", "meta",
    };

    /// <summary>True when the bytes start like an ISO base media file (a known top-level box type).</summary>
    public static bool LooksLikeIsoMedia(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 8 && TopLevelTypes.Contains(Encoding.ASCII.GetString(bytes.Slice(4, 4)));

    /// <summary>The first video track's header; throws <see cref="VideoRowException"/> for a cut file, no video track or an empty one.</summary>
    public static VideoHeader Read(ReadOnlySpan<byte> file)
    {
        ReadOnlySpan<byte> moov = default;
        bool foundMoov = false;
        foreach ((string type, int start, int length, bool cut) in Boxes(file))
        {
            if (cut)
            {
                throw new VideoRowException(VideoSkipReason.Truncated,
                    $"the '{type}' box at byte {start} claims more bytes than the {file.Length}-byte file holds");
            }

            if (type == "moov")
            {
                moov = file.Slice(start, length);
                foundMoov = true;
            }
        }

        if (!foundMoov)
        {
            throw new VideoRowException(VideoSkipReason.Truncated, "no 'moov' box (the header of an mp4); the file was cut or never finished");
        }

        foreach (Range at in ChildRanges(moov, "trak"))
        {
            ReadOnlySpan<byte> trak = moov[at];
            ReadOnlySpan<byte> mdia = First(trak, "mdia");
            ReadOnlySpan<byte> hdlr = First(mdia, "hdlr");
            if (hdlr.Length < 12 || Encoding.ASCII.GetString(hdlr.Slice(8, 4)) != "vide")
            {
                continue;
            }

            return VideoTrack(mdia);
        }

        throw new VideoRowException(VideoSkipReason.NoVideoStream, "the mp4 has no video track");
    }

    private static VideoHeader VideoTrack(ReadOnlySpan<byte> mdia)
    {
        ReadOnlySpan<byte> mdhd = First(mdia, "mdhd");
        ReadOnlySpan<byte> stbl = First(First(mdia, "minf"), "stbl");
        ReadOnlySpan<byte> stsd = First(stbl, "stsd");
        ReadOnlySpan<byte> stts = First(stbl, "stts");

        // mdhd: version 1 has 64-bit times, so the timescale sits at 20 instead of 12.
        long timescale = mdhd.Length >= 24 ? BinaryPrimitives.ReadUInt32BigEndian(mdhd.Slice(mdhd[0] == 1 ? 20 : 12, 4)) : 0;

        // stsd: full box (4), entry count (4), then the first sample entry: size (4), format (4),
        // 6 reserved + 2 data reference index, 16 bytes of pre-defined/reserved, width (2), height (2).
        if (stsd.Length < 8 + 36)
        {
            throw new VideoRowException(VideoSkipReason.ZeroFrames, "the video track has no sample description");
        }

        string codec = Encoding.ASCII.GetString(stsd.Slice(12, 4));
        int width = BinaryPrimitives.ReadUInt16BigEndian(stsd.Slice(8 + 32, 2));
        int height = BinaryPrimitives.ReadUInt16BigEndian(stsd.Slice(8 + 34, 2));

        // stts: (sample count, sample delta) runs; their sum is the frame count, their deltas the timing.
        long frames = 0;
        long duration = 0;
        var deltas = new HashSet<uint>();
        if (stts.Length >= 8)
        {
            long entries = Math.Min(BinaryPrimitives.ReadUInt32BigEndian(stts.Slice(4, 4)), (stts.Length - 8) / 8);
            for (int i = 0; i < entries; i++)
            {
                uint count = BinaryPrimitives.ReadUInt32BigEndian(stts.Slice(8 + (8 * i), 4));
                uint delta = BinaryPrimitives.ReadUInt32BigEndian(stts.Slice(12 + (8 * i), 4));
                if (count == 0)
                {
                    continue;
                }

                frames += count;
                duration += (long)count * delta;
                deltas.Add(delta);
            }
        }

        double fps = timescale > 0 && duration > 0 ? frames * (double)timescale / duration : 0;
        return new VideoHeader(width, height, frames, fps, codec, deltas.Count == 1);
    }

    private static ReadOnlySpan<byte> First(ReadOnlySpan<byte> parent, string type)
    {
        List<Range> found = ChildRanges(parent, type);
        return found.Count == 0 ? default : parent[found[0]];
    }

    /// <summary>Payloads (after the box header) of the children of <paramref name="parent"/> of one type.</summary>
    private static List<Range> ChildRanges(ReadOnlySpan<byte> parent, string type)
    {
        var found = new List<Range>();
        foreach ((string t, int start, int length, bool cut) in Boxes(parent))
        {
            if (!cut && t == type)
            {
                found.Add(new Range(start, start + length));
            }
        }

        return found;
    }

    /// <summary>Every box directly inside <paramref name="span"/>: type, payload start, payload length, and whether it runs past the end.</summary>
    private static List<(string Type, int Start, int Length, bool Cut)> Boxes(ReadOnlySpan<byte> span)
    {
        var boxes = new List<(string, int, int, bool)>();
        int at = 0;
        while (at + 8 <= span.Length)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(span.Slice(at, 4));
            string type = Encoding.ASCII.GetString(span.Slice(at + 4, 4));
            int header = 8;
            if (size == 1)
            {
                if (at + 16 > span.Length)
                {
                    boxes.Add((type, at, 0, true));
                    break;
                }

                size = (long)BinaryPrimitives.ReadUInt64BigEndian(span.Slice(at + 8, 8));
                header = 16;
            }
            else if (size == 0)
            {
                size = span.Length - at;
            }

            if (size < header || at + size > span.Length)
            {
                boxes.Add((type, at, 0, size >= header));
                if (size < header)
                {
                    throw new VideoRowException(VideoSkipReason.NotAVideo,
                        string.Create(CultureInfo.InvariantCulture, $"box '{Printable(type)}' at byte {at} has an impossible size {size}"));
                }

                break;
            }

            boxes.Add((type, at + header, (int)size - header, false));
            at += (int)size;
        }

        return boxes;
    }

    private static string Printable(string type) =>
        new(type.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}
