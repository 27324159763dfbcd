using System.Runtime.InteropServices;

namespace Orchestrator.Core.Checkpoints;

/// <summary>
/// Makes the names in a folder durable. A rename is only on disk once its parent folder has been
/// fsynced (POSIX fsync(2); ext4 and xfs document the same), and .NET cannot open a folder as a
/// file handle, so on Linux this calls open(2), fsync(2) and close(2) from libc. Elsewhere it does
/// nothing: Windows has no folder fsync, and its renames are journaled metadata.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;
    private const int InvalidArgument = 22;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"{directory}: cannot open the folder to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            // Some file systems (and tmpfs on old kernels) answer EINVAL: they have nothing to flush.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != InvalidArgument)
            {
                throw new IOException($"{directory}: fsync of the folder failed (errno {errno})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
