using System.Globalization;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// The header of a video, read before decoding: from the bytes for mp4/mov (no FFmpeg), through
/// libavformat or ffprobe for other containers; then the checks that refuse a row before FFmpeg decodes a frame.
/// </summary>
internal static class VideoProbe
{
    /// <summary>The checked header; throws <see cref="VideoRowException"/> for every row that must not be decoded.</summary>
    /// <param name="bytes">The encoded video.</param>
    /// <param name="other">Reads the header of a container other than mp4/mov.</param>
    /// <param name="options">The limits.</param>
    public static VideoHeader Inspect(byte[] bytes, Func<VideoHeader> other, VideoDecoderOptions options)
    {
        VideoHeader header = Mp4HeaderReader.LooksLikeIsoMedia(bytes)
            ? Mp4HeaderReader.Read(bytes)
            : other();
        if (header.Width <= 0 || header.Height <= 0 || header.Width > options.MaxSide || header.Height > options.MaxSide)
        {
            throw new VideoRowException(VideoSkipReason.AbsurdDimensions, string.Create(CultureInfo.InvariantCulture,
                $"the header says {header.Width}x{header.Height}; expected sides in [1, {options.MaxSide}]"));
        }

        if (header.FrameCount <= 0)
        {
            throw new VideoRowException(VideoSkipReason.ZeroFrames, $"the {header.Codec} video stream holds no frames");
        }

        return header;
    }

    /// <summary>The header through ffprobe (the process backend).</summary>
    /// <remarks>-count_packets demuxes the whole file (no decoding) so that the frame count is exact for
    /// containers whose header has none (WebM, MPEG-TS).</remarks>
    public static VideoHeader Probe(string file, VideoDecoderOptions options)
    {
        string[] arguments =
        [
            "-v", "error", "-count_packets", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height,avg_frame_rate,nb_read_packets",
            "-of", "default=noprint_wrappers=1", file,
        ];
        using FfmpegProcess probe = FfmpegProcess.Start(options.FfprobePath, arguments, options.Timeout);
        string report = new StreamReader(probe.Output).ReadToEnd();
        (int exitCode, string errors) = probe.WaitForExit();
        if (probe.TimedOut)
        {
            throw new VideoRowException(VideoSkipReason.DecoderTimeout, $"ffprobe ran past {options.Timeout.TotalSeconds:0.#} s and was killed");
        }

        if (exitCode != 0)
        {
            throw new VideoRowException(VideoSkipReason.NotAVideo, $"ffprobe cannot open it ({FirstLine(errors)})");
        }

        Dictionary<string, string> fields = report.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("codec_name", out string? codec))
        {
            throw new VideoRowException(VideoSkipReason.NoVideoStream, "the container has no video stream");
        }

        return new VideoHeader(Int(fields, "width"), Int(fields, "height"), Int(fields, "nb_read_packets"), Rate(fields), codec, ConstantFrameRate: false);
    }

    internal static string FirstLine(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";
        return line.Length > 200 ? line[..200] : line;
    }

    private static int Int(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out string? text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : 0;

    private static double Rate(Dictionary<string, string> fields)
    {
        if (!fields.TryGetValue("avg_frame_rate", out string? text))
        {
            return 0;
        }

        string[] parts = text.Split('/');
        return parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double numerator)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double denominator)
            && denominator > 0
            ? numerator / denominator
            : 0;
    }
}
