using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orchestrator.DataLoader.Tests.Video;

/// <summary>Videos made by ffmpeg for tests, in a fresh temporary folder deleted on dispose.</summary>
internal sealed class VideoFiles : IDisposable
{
    public VideoFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), "video-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>The solid colour of frame <paramref name="i"/> of <see cref="ColourFrames"/>: distinct per frame by 24 levels in red and green.</summary>
    public static (byte R, byte G, byte B) Colour(int i) => ((byte)(12 + (i * 24 % 240)), (byte)(240 - (i * 24 % 240)), (byte)(i < 10 ? 60 : 190));

    /// <summary>An mp4 (moov at the end, as ffmpeg writes by default) whose frame i is the solid <see cref="Colour"/>(i), encoded losslessly.</summary>
    /// <remarks>With <paramref name="container"/> set (an FFmpeg muxer name such as matroska) it is written in that container instead.</remarks>
    public byte[] ColourFrames(int frames, int width, int height, int fps, bool faststart = false, string? container = null)
    {
        var raw = new byte[frames * width * height * 3];
        for (int f = 0; f < frames; f++)
        {
            (byte r, byte g, byte b) = Colour(f);
            for (int p = 0; p < width * height; p++)
            {
                int at = (((f * width * height) + p) * 3);
                raw[at] = r;
                raw[at + 1] = g;
                raw[at + 2] = b;
            }
        }

        string input = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".rgb");
        File.WriteAllBytes(input, raw);
        string[] arguments =
        [
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-r", fps.ToString(CultureInfo.InvariantCulture), "-i", input,
            "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p",
        ];
        string[] muxer = container is null ? [] : ["-f", container];
        return Ffmpeg(faststart ? [.. arguments, .. muxer, "-movflags", "+faststart"] : [.. arguments, .. muxer]);
    }

    /// <summary>An mp4 holding only a silent audio stream.</summary>
    public byte[] AudioOnly() => Ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "0.5", "-c:a", "aac");

    /// <summary>Runs ffmpeg with <paramref name="arguments"/> writing an mp4 and returns its bytes.</summary>
    public byte[] Ffmpeg(params string[] arguments)
    {
        string output = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".mp4");
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["-nostdin", "-hide_banner", "-loglevel", "error", "-y", .. arguments, output])
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg failed: {errors}");
        return File.ReadAllBytes(output);
    }

    /// <summary>A shell script that stands in for ffmpeg and never finishes (a hung decoder).</summary>
    public string HangingFfmpeg()
    {
        string script = Path.Combine(Folder, "hanging-ffmpeg.sh");
        File.WriteAllText(script, "#!/bin/sh\nexec sleep 300\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return script;
    }

    /// <summary>A copy of <paramref name="mp4"/> with <paramref name="patch"/> applied to the payload of the last box of type <paramref name="type"/>.</summary>
    public static byte[] PatchBox(byte[] mp4, string type, Action<Span<byte>> patch)
    {
        byte[] copy = (byte[])mp4.Clone();
        int at = LastIndexOf(copy, Encoding.ASCII.GetBytes(type));
        Assert.True(at >= 4, $"no '{type}' box");
        int size = (int)BinaryPrimitives.ReadUInt32BigEndian(copy.AsSpan(at - 4, 4));
        patch(copy.AsSpan(at + 4, size - 8));
        return copy;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private static int LastIndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().LastIndexOf(needle);
}
