using System.Globalization;

namespace Orchestrator.DataLoader.Video;

/// <summary>Encodes RGBA frames to a small mp4 with ffmpeg: H.264 (libx264) when the build has it, else MPEG-4 part 2; yuv420p; moov first.</summary>
internal static class Mp4Encoder
{
    private static readonly Lazy<bool> HasLibx264 = new(() => Encoders().Contains(" libx264 ", StringComparison.Ordinal));

    /// <summary>The mp4 bytes of <paramref name="frames"/> (each width x height x 4 RGBA bytes) at <paramref name="fps"/>.</summary>
    public static byte[] Encode(IReadOnlyList<byte[]> frames, int width, int height, int fps, VideoDecoderOptions options)
    {
        string file = Path.Combine(Path.GetTempPath(), $"orchestrator-encode-{Guid.NewGuid():N}.mp4");
        try
        {
            // -threads 1 and the bitexact flags make the bytes a function of the frames alone
            // (no thread-dependent slicing, no encoder version string in the container).
            string[] codec = HasLibx264.Value
                ? ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-x264-params", "log-level=error"]
                : ["-c:v", "mpeg4", "-q:v", "2"];
            List<string> arguments =
            [
                "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", "rgba", "-s", string.Create(CultureInfo.InvariantCulture, $"{width}x{height}"),
                "-r", fps.ToString(CultureInfo.InvariantCulture), "-i", "pipe:0",
                .. codec,
                "-threads", "1", "-pix_fmt", "yuv420p", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                "-map_metadata", "-1", "-movflags", "+faststart", file,
            ];
            using (FfmpegProcess ffmpeg = FfmpegProcess.Start(options.FfmpegPath, arguments, options.Timeout, writeInput: true))
            {
                foreach (byte[] frame in frames)
                {
                    ffmpeg.Input.Write(frame);
                }

                ffmpeg.Input.Close();
                (int exitCode, string errors) = ffmpeg.WaitForExit();
                if (exitCode != 0 || ffmpeg.TimedOut)
                {
                    throw new InvalidOperationException($"ffmpeg could not encode the synthetic video (exit {exitCode}): {VideoProbe.FirstLine(errors)}");
                }
            }

            return File.ReadAllBytes(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Encoders()
    {
        using FfmpegProcess ffmpeg = FfmpegProcess.Start("ffmpeg", ["-hide_banner", "-encoders"], TimeSpan.FromSeconds(30));
        string list = new StreamReader(ffmpeg.Output).ReadToEnd();
        ffmpeg.WaitForExit();
        return list;
    }
}
