using Orchestrator.Core.Sampling;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Video.Native;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Cuts one clip from a video row: its start drawn from (run seed, epoch, sample index) alone, so a
/// sample gives the same clip whichever worker reads it and whatever the world size; then only the
/// frames of the clip are decoded, scaled and centre-cropped to Size, as a (3, F, S, S) array in [-1, 1].
/// </summary>
/// <remarks>
/// Thread-safe: each call opens its own FFmpeg contexts (in process) or its own ffmpeg process and
/// temporary file (process backend). <see cref="Backend"/> says which one decodes.
/// </remarks>
public sealed class ClipSampler
{
    private readonly ClipOptions _clip;
    private readonly long _runSeed;
    private readonly VideoDecoderOptions _decoder;
    private readonly string _tempDirectory;

    public ClipSampler(ClipOptions clip, long runSeed, VideoDecoderOptions? decoder = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentOutOfRangeException.ThrowIfLessThan(clip.Frames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(clip.Stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(clip.Fps);
        ArgumentOutOfRangeException.ThrowIfLessThan(clip.Size, 1);
        _clip = clip;
        _runSeed = runSeed;
        _decoder = decoder ?? new VideoDecoderOptions();
        _tempDirectory = _decoder.TempDirectory ?? (Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath());
        (Backend, FallbackReason) = _decoder.Backend switch
        {
            VideoDecoderBackend.Process => (VideoDecoderBackend.Process, null),
            VideoDecoderBackend.InProcess => LibAvLibraries.Layout is not null
                ? (VideoDecoderBackend.InProcess, null)
                : throw new InvalidOperationException($"video decoder backend InProcess cannot start: {LibAvLibraries.Problem}"),
            _ => LibAvLibraries.Layout is not null
                ? (VideoDecoderBackend.InProcess, null)
                : (VideoDecoderBackend.Process, $"decoding with one ffmpeg process per clip: {LibAvLibraries.Problem}"),
        };
    }

    public ClipOptions Clip => _clip;

    /// <summary>The decoder in use: <see cref="VideoDecoderBackend.InProcess"/> or <see cref="VideoDecoderBackend.Process"/>.</summary>
    public VideoDecoderBackend Backend { get; }

    /// <summary>Why Auto fell back to the process decoder (the library that is missing); null otherwise. Worth a warning in the log.</summary>
    public string? FallbackReason { get; }

    /// <summary>The source frame of each clip frame of sample (epoch, index) in a video of <paramref name="frameCount"/> frames at <paramref name="sourceFps"/>; null when too short and not padded.</summary>
    public IReadOnlyList<int>? SourceFrames(long frameCount, double sourceFps, long epoch, long sampleIndex) =>
        ClipWindow.SourceFrames(frameCount, sourceFps, _clip, Seed(epoch, sampleIndex));

    /// <summary>The clip of an encoded video (mp4, or any container FFmpeg reads); throws <see cref="VideoRowException"/> with the skip reason for a bad row.</summary>
    public VideoClip SampleVideo(byte[]? video, long epoch, long sampleIndex)
    {
        if (video is null || video.Length == 0)
        {
            throw new VideoRowException(VideoSkipReason.MissingVideo, video is null ? "the video cell is null" : "the video cell is empty");
        }

        return Backend == VideoDecoderBackend.InProcess ? DecodeInProcess(video, epoch, sampleIndex) : DecodeWithProcess(video, epoch, sampleIndex);
    }

    /// <summary>The clip of a row that holds its frames as a list of encoded images (JPEG, PNG); throws <see cref="VideoRowException"/> for a bad row.</summary>
    public VideoClip SampleFrames(IReadOnlyList<byte[]?>? frames, long epoch, long sampleIndex)
    {
        if (frames is null || frames.Count == 0)
        {
            throw new VideoRowException(VideoSkipReason.MissingVideo, frames is null ? "the frame list is null" : "the frame list is empty");
        }

        int[] wanted = ClipWindow.SourceFrames(frames.Count, 0, _clip, Seed(epoch, sampleIndex)) ?? throw TooFew(frames.Count);
        var clip = new VideoClip(_clip.Frames, _clip.Size, new float[3 * _clip.Frames * _clip.Size * _clip.Size]);
        int plane = _clip.Size * _clip.Size;
        var done = new Dictionary<int, int>();
        for (int f = 0; f < wanted.Length; f++)
        {
            if (done.TryGetValue(wanted[f], out int earlier))
            {
                clip.CopyFrame(earlier, f);
                continue;
            }

            if (!ImageTransform.TryLoad(frames[wanted[f]], _clip.Size, out float[]? chw, out RowSkipReason reason))
            {
                throw new VideoRowException(reason == RowSkipReason.MissingImage ? VideoSkipReason.MissingVideo : VideoSkipReason.Undecodable,
                    $"frame {wanted[f]} of the list: {reason}");
            }

            for (int c = 0; c < 3; c++)
            {
                chw.AsSpan(c * plane, plane).CopyTo(clip.Data.AsSpan((((c * _clip.Frames) + f) * plane), plane));
            }

            done[wanted[f]] = f;
        }

        return clip;
    }

    private VideoClip DecodeInProcess(byte[] video, long epoch, long sampleIndex)
    {
        VideoHeader header = VideoProbe.Inspect(video, () => LibAvClipDecoder.Probe(video), _decoder);
        (int[] wanted, int[] distinct) = Frames(header, epoch, sampleIndex);
        var decoded = new byte[distinct.Length][];
        int count = LibAvClipDecoder.Decode(video, header, distinct, _clip.Size, _decoder.MaxSide, (i, rgb) => decoded[i] = rgb.ToArray());
        return Assemble(header, wanted, distinct, decoded, count);
    }

    private VideoClip DecodeWithProcess(byte[] video, long epoch, long sampleIndex)
    {
        string? file = null;
        string File()
        {
            if (file is null)
            {
                file = Path.Combine(_tempDirectory, $"orchestrator-clip-{Guid.NewGuid():N}.video");
                System.IO.File.WriteAllBytes(file, video);
            }

            return file;
        }

        try
        {
            VideoHeader header = VideoProbe.Inspect(video, () => VideoProbe.Probe(File(), _decoder), _decoder);
            (int[] wanted, int[] distinct) = Frames(header, epoch, sampleIndex);
            var decoded = new byte[distinct.Length][];
            int count = FfmpegClipDecoder.Decode(File(), header, distinct, _clip.Size, _decoder, (i, rgb) => decoded[i] = rgb.ToArray());
            return Assemble(header, wanted, distinct, decoded, count);
        }
        finally
        {
            if (file is not null)
            {
                System.IO.File.Delete(file);
            }
        }
    }

    private (int[] Wanted, int[] Distinct) Frames(VideoHeader header, long epoch, long sampleIndex)
    {
        int[] wanted = ClipWindow.SourceFrames(header.FrameCount, header.FramesPerSecond, _clip, Seed(epoch, sampleIndex))
            ?? throw TooFew(header.FrameCount);
        return (wanted, wanted.Distinct().ToArray());
    }

    private VideoClip Assemble(VideoHeader header, int[] wanted, int[] distinct, byte[][] decoded, int count)
    {
        if (count == 0)
        {
            throw new VideoRowException(VideoSkipReason.ZeroFrames, $"FFmpeg decoded no frame of the {header.FrameCount} the header lists");
        }

        if (count < distinct.Length && !_clip.Pad)
        {
            throw TooFew(distinct[count - 1] + 1);
        }

        var clip = new VideoClip(_clip.Frames, _clip.Size, new float[3 * _clip.Frames * _clip.Size * _clip.Size]);
        for (int f = 0; f < wanted.Length; f++)
        {
            // A frame the stream ended before is the last decoded frame again (padding).
            int at = Math.Min(Array.IndexOf(distinct, wanted[f]), count - 1);
            clip.SetFrame(f, decoded[at]);
        }

        return clip;
    }

    // The clip start is the sample's temporal crop, so it draws from the crop stream (the spatial
    // crop of a clip is the centre, which draws nothing).
    private long Seed(long epoch, long sampleIndex) => SampleSeed.Derive(_runSeed, epoch, sampleIndex, SampleSeed.Purpose.Crop);

    private VideoRowException TooFew(long frames)
    {
        double step = _clip.Fps > 0 ? _clip.Fps : _clip.Stride;
        return new VideoRowException(VideoSkipReason.TooFewFrames,
            $"the video has {frames} frames; a clip of {_clip.Frames} frames {(_clip.Fps > 0 ? $"at {step} fps" : $"with stride {_clip.Stride}")} needs more, and data.clip.pad is false");
    }
}
