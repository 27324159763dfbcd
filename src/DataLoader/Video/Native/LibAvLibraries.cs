using System.Reflection;
using System.Runtime.InteropServices;

namespace Orchestrator.DataLoader.Video.Native;

/// <summary>
/// Finds FFmpeg's shared libraries by their versioned sonames (libavformat.so.59, ...: the runtime
/// packages, not the -dev ones), checks that the release is one whose struct layout is known, and
/// points the <see cref="LibAv"/> imports at them.
/// </summary>
internal static class LibAvLibraries
{
    private static readonly Lazy<(LibAvLayout? Layout, string? Problem)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Dictionary<string, nint> Handles = new(StringComparer.Ordinal);

    /// <summary>The layout of the loaded release, or null when the libraries cannot be used (see <see cref="Problem"/>).</summary>
    public static LibAvLayout? Layout => Loaded.Value.Layout;

    /// <summary>Why the libraries cannot be used (the missing library, or an unknown release); null when they can.</summary>
    public static string? Problem => Loaded.Value.Problem;

    /// <summary>The layout of the loaded release; throws naming the missing library when there is none.</summary>
    public static LibAvLayout Require() =>
        Layout ?? throw new InvalidOperationException($"the in-process video decoder cannot start: {Problem}");

    private static (LibAvLayout?, string?) Load()
    {
        var problems = new List<string>();
        foreach (LibAvLayout layout in LibAvLayout.Known)
        {
            (string Name, string Soname)[] libraries =
            [
                (LibAv.AvUtil, $"libavutil.so.{layout.AvUtilMajor}"),
                (LibAv.SwScale, $"libswscale.so.{layout.SwScaleMajor}"),
                (LibAv.AvCodec, $"libavcodec.so.{layout.AvCodecMajor}"),
                (LibAv.AvFormat, $"libavformat.so.{layout.AvFormatMajor}"),
            ];
            var handles = new Dictionary<string, nint>(StringComparer.Ordinal);
            string? missing = libraries.Where(l => !TryLoad(l.Soname, handles, l.Name)).Select(l => l.Soname).FirstOrDefault();
            if (missing is not null)
            {
                foreach (nint handle in handles.Values)
                {
                    NativeLibrary.Free(handle);
                }

                problems.Add($"{missing} not found (FFmpeg {layout.AvFormatMajor - 54}.x runtime libraries; Debian 12: apt-get install libavformat59 libavcodec59 libswscale6)");
                continue;
            }

            foreach ((string name, nint handle) in handles)
            {
                Handles[name] = handle;
            }

            NativeLibrary.SetDllImportResolver(Assembly.GetExecutingAssembly(), Resolve);

            // The sonames carry the majors, but a library can be replaced under its soname: check what it says.
            (string Library, uint Version, int Expected)[] versions =
            [
                ("libavformat", LibAv.AvFormatVersion(), layout.AvFormatMajor),
                ("libavcodec", LibAv.AvCodecVersion(), layout.AvCodecMajor),
                ("libavutil", LibAv.AvUtilVersion(), layout.AvUtilMajor),
                ("libswscale", LibAv.SwScaleVersion(), layout.SwScaleMajor),
            ];
            foreach ((string library, uint version, int expected) in versions)
            {
                if (version >> 16 != expected)
                {
                    return (null, $"{library} reports major version {version >> 16}, expected {expected}; its struct layout is unknown to this build");
                }
            }

            // Errors are classified from return codes and reported per row; FFmpeg's own log would only repeat them on stderr.
            LibAv.LogSetLevel(LibAv.LogQuiet);
            return (layout, null);
        }

        string others = OtherReleases();
        return (null, string.Join("; ", problems) + (others.Length > 0 ? $"; installed but with a struct layout unknown to this build: {others}" : ""));
    }

    private static bool TryLoad(string soname, Dictionary<string, nint> handles, string name)
    {
        if (!NativeLibrary.TryLoad(soname, out nint handle))
        {
            return false;
        }

        handles[name] = handle;
        return true;
    }

    private static string OtherReleases()
    {
        var found = new List<string>();
        for (int major = 58; major <= 63; major++)
        {
            if (LibAvLayout.Known.All(l => l.AvFormatMajor != major) && NativeLibrary.TryLoad($"libavformat.so.{major}", out nint handle))
            {
                NativeLibrary.Free(handle);
                found.Add($"libavformat.so.{major}");
            }
        }

        return string.Join(", ", found);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        Handles.TryGetValue(name, out nint handle) ? handle : 0;
}
