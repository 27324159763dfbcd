using System.Globalization;
using System.Text;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Decodes the few frames a clip needs with an ffmpeg process: seek near the first, pick the frames
/// with the select filter, scale to cover Size x Size and centre-crop inside ffmpeg, and read raw
/// rgb24 frames from stdout one at a time; ffmpeg stops after the last one (-frames:v).
/// </summary>
/// <remarks>
/// The video goes to ffmpeg as a file, not on stdin: an mp4 whose moov box is at the end (ffmpeg's
/// own default, and most downloads) cannot be demuxed from a pipe, and a file lets ffmpeg seek.
/// The file lives in /dev/shm when it exists, so it costs a memory copy, not a disk write.
/// </remarks>
internal static class FfmpegClipDecoder
{
    /// <summary>
    /// Decodes the distinct ascending source frames <paramref name="frames"/>, calling
    /// <paramref name="onFrame"/>(position in <paramref name="frames"/>, rgb24 pixels) for each; returns how many came.
    /// </summary>
    public static int Decode(
        string file, VideoHeader header, IReadOnlyList<int> frames, int size, VideoDecoderOptions options, Action<int, ReadOnlySpan<byte>> onFrame)
    {
        using FfmpegProcess ffmpeg = FfmpegProcess.Start(options.FfmpegPath, Arguments(file, header, frames, size), options.Timeout);
        byte[] frame = new byte[size * size * 3];
        int delivered = 0;
        Stream output = ffmpeg.Output;
        while (delivered < frames.Count && ReadFull(output, frame))
        {
            onFrame(delivered, frame);
            delivered++;
        }

        // Once the clip is read, the process is done with: stop it rather than wait for it to drain.
        if (delivered == frames.Count)
        {
            ffmpeg.Kill();
            return delivered;
        }

        (int exitCode, string errors) = ffmpeg.WaitForExit();
        if (ffmpeg.TimedOut)
        {
            throw new VideoRowException(VideoSkipReason.DecoderTimeout,
                string.Create(CultureInfo.InvariantCulture, $"ffmpeg delivered {delivered} of {frames.Count} frames in {options.Timeout.TotalSeconds:0.#} s and was killed"));
        }

        if (exitCode != 0 && delivered == 0)
        {
            throw Classify(errors, header);
        }

        return delivered;
    }

    private static VideoRowException Classify(string errors, VideoHeader header)
    {
        string first = VideoProbe.FirstLine(errors);
        if (errors.Contains("Decoder (codec", StringComparison.Ordinal) || errors.Contains("not found for input stream", StringComparison.Ordinal))
        {
            return new VideoRowException(VideoSkipReason.UnsupportedCodec, $"the installed FFmpeg has no decoder for '{header.Codec}' ({first})");
        }

        if (errors.Contains("matches no streams", StringComparison.Ordinal) || errors.Contains("does not contain any stream", StringComparison.Ordinal))
        {
            return new VideoRowException(VideoSkipReason.NoVideoStream, first);
        }

        if (errors.Contains("moov atom not found", StringComparison.Ordinal) || errors.Contains("End of file", StringComparison.Ordinal))
        {
            return new VideoRowException(VideoSkipReason.Truncated, first);
        }

        if (errors.Contains("Invalid data found", StringComparison.Ordinal))
        {
            return new VideoRowException(VideoSkipReason.NotAVideo, first);
        }

        return new VideoRowException(VideoSkipReason.Undecodable, $"ffmpeg failed ({first})");
    }

    private static List<string> Arguments(string file, VideoHeader header, IReadOnlyList<int> frames, int size)
    {
        // With a constant frame rate, frame i starts at i / fps: seek half a frame before the first
        // frame wanted (ffmpeg decodes from the keyframe before and drops what precedes the time),
        // so that select counts from there. Otherwise decode from the start.
        int first = 0;
        var arguments = new List<string> { "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1" };
        if (header.ConstantFrameRate && header.FramesPerSecond > 0 && frames[0] > 0)
        {
            first = frames[0];
            arguments.Add("-ss");
            arguments.Add(((first - 0.5) / header.FramesPerSecond).ToString("0.######", CultureInfo.InvariantCulture));
        }

        var select = new StringBuilder("select='");
        for (int i = 0; i < frames.Count; i++)
        {
            select.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : "+")}eq(n\\,{frames[i] - first})");
        }

        select.Append('\'');

        // Scale so that the shorter side is Size (the longer one rounded, at least Size), then
        // centre-crop: the same resize-and-crop as the image path, done by swscale in one pass
        // together with the YUV to RGB conversion.
        double scale = (double)size / Math.Min(header.Width, header.Height);
        int width = Math.Max(size, (int)Math.Round(header.Width * scale));
        int height = Math.Max(size, (int)Math.Round(header.Height * scale));
        string filter = string.Create(CultureInfo.InvariantCulture,
            $"{select},scale={width}:{height}:flags=bilinear,format=rgb24,crop={size}:{size}");
        arguments.AddRange([
            "-i", file, "-map", "0:v:0", "-an", "-sn", "-dn", "-filter_threads", "1", "-vf", filter,
            "-fps_mode", "passthrough", "-frames:v", frames.Count.ToString(CultureInfo.InvariantCulture),
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
        ]);
        return arguments;
    }

    private static bool ReadFull(Stream stream, byte[] buffer)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        return true;
    }
}
