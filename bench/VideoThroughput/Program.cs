using System.Diagnostics;
using System.Globalization;
using Orchestrator.Bench;
using Orchestrator.DataLoader.Video;

// One clip per file per pass, on the calling thread (FFmpeg decodes with one thread): clips/s of one core.
// --process 1 times the fallback (one ffmpeg process per clip) instead of the in-process decoder.
return BenchArguments.Run(
    "VideoThroughput",
    "DIR [--frames 16] [--stride 2] [--size 112] [--passes 2] [--warmup 4] [--process 0|1]",
    ["--frames", "--stride", "--size", "--passes", "--warmup", "--process"],
    args,
    arguments =>
    {
        string[] files = Directory.GetFiles(arguments.Folder, "*.mp4").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            Console.Error.WriteLine($"VideoThroughput: no *.mp4 in {arguments.Folder}");
            return 1;
        }

        var clip = new ClipOptions(arguments.Get("--frames", 16), arguments.Get("--stride", 2), 0, Pad: false, arguments.Get("--size", 112));
        var backend = arguments.Get("--process", 0) == 1 ? VideoDecoderBackend.Process : VideoDecoderBackend.InProcess;
        var sampler = new ClipSampler(clip, runSeed: 1, new VideoDecoderOptions { Backend = backend });
        byte[][] videos = files.Select(File.ReadAllBytes).ToArray();
        for (int i = 0; i < arguments.Get("--warmup", 4); i++)
        {
            sampler.SampleVideo(videos[i % videos.Length], 0, i);
        }

        int passes = arguments.Get("--passes", 2);
        long residentBefore = Environment.WorkingSet;
        double cpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var watch = Stopwatch.StartNew();
        long sample = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            foreach (byte[] video in videos)
            {
                VideoClip result = sampler.SampleVideo(video, pass, sample++);
                if (result.Data.Length != 3 * clip.Frames * clip.Size * clip.Size)
                {
                    throw new InvalidOperationException("wrong clip size");
                }
            }
        }

        double seconds = watch.Elapsed.TotalSeconds;
        double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ours: {sample} clips in {seconds:0.00}s: {sample / seconds:0.0} clips/s ({sampler.Backend}; {clip.Frames} frames, stride {clip.Stride}, {clip.Size}px; this process's CPU {cpu:0.00}s; resident memory {residentBefore / 1048576.0:0} MiB after warm-up, {Environment.WorkingSet / 1048576.0:0} MiB after)"));
        return 0;
    });
