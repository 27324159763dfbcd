using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Parquet;
using Parquet.Meta;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// Opens a shard with Parquet.Net once its footer is known to parse within its own bytes: Parquet.Net
/// 6.1's Thrift reader takes the -1 of a read past the end of the footer for a 0xFF byte and then reads
/// a variable-length integer forever, so a damaged footer would hang the caller, not fail.
/// </summary>
/// <remarks>
/// The check runs Parquet.Net's own footer parser (the internal FileMetaData.Read, found once by
/// reflection) over the footer bytes in a stream that throws at its end: the same parse that
/// <see cref="ParquetReader.CreateAsync(Stream, ParquetOptions, bool, CancellationToken)"/> then does, so
/// a footer that passes cannot read past its end there either. Training opens a shard for every row
/// group it reads, and a large shard's footer (570 KB for 826 row groups, 30-70 ms to parse here) is
/// not worth parsing twice each time, so a passed check is remembered with the file's length and last
/// write time, but only for a file last written over a second before the check: a later rewrite then
/// has a later time, even where the file system's clock ticks every few milliseconds. If a later
/// Parquet.Net renames the parser, every open fails with a message that says so (and ShardCatalogTests
/// fail), rather than losing the check silently.
/// </remarks>
internal static class ShardFile
{
    private const int MagicBytes = 4;
    private const int TailBytes = 4 + MagicBytes;

    private static readonly Lazy<Action<Stream>> ParseFooter = new(BindFooterParser);

    private static readonly TimeSpan SettledAfter = TimeSpan.FromSeconds(1);

    // Files whose footer passed, with the length and last write time it passed at.
    private static readonly ConcurrentDictionary<string, (long Length, DateTime Written)> Checked = new(StringComparer.Ordinal);

    /// <summary>
    /// A reader of <paramref name="path"/>; a damaged footer throws <see cref="InvalidDataException"/>
    /// (or what Parquet.Net throws), never hangs. The caller disposes the reader, which closes the file.
    /// </summary>
    public static async Task<ParquetReader> OpenAsync(string path, CancellationToken ct)
    {
        FileStream stream = File.OpenRead(path);
        try
        {
            DateTime now = DateTime.UtcNow;
            (long, DateTime Written) version = (stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle));
            if (!Checked.TryGetValue(path, out (long, DateTime) passed) || passed != version)
            {
                await CheckFooterAsync(stream, ct);
                if (now - version.Written > SettledAfter)
                {
                    Checked[path] = version;
                }
            }

            stream.Position = 0;
            return await ParquetReader.CreateAsync(stream, null, leaveStreamOpen: false, ct);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    // A Parquet file ends with the footer (Thrift compact FileMetaData), its length as a little-endian
    // int32 and "PAR1" (Apache Parquet format, "File format").
    private static async Task CheckFooterAsync(FileStream stream, CancellationToken ct)
    {
        long length = stream.Length;
        if (length < MagicBytes + TailBytes)
        {
            throw new InvalidDataException($"the file has {length} bytes, too few for a Parquet file (magic, footer, footer length, magic)");
        }

        var tail = new byte[TailBytes];
        stream.Position = length - TailBytes;
        await stream.ReadExactlyAsync(tail, ct);
        if (!tail.AsSpan(4).SequenceEqual("PAR1"u8))
        {
            throw new InvalidDataException("the file does not end with the Parquet magic PAR1 (not a Parquet file, or cut short)");
        }

        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - MagicBytes - TailBytes)
        {
            throw new InvalidDataException($"the footer length {footerLength} does not fit in the file of {length} bytes");
        }

        var footer = new byte[footerLength];
        stream.Position = length - TailBytes - footerLength;
        await stream.ReadExactlyAsync(footer, ct);
        try
        {
            ParseFooter.Value(new FooterBytes(footer));
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"the footer ({footerLength} bytes) is damaged: its metadata runs past its end");
        }
    }

    private static Action<Stream> BindFooterParser()
    {
        const string ReaderName = "Parquet.Meta.Proto.ThriftCompactProtocolReader";
        System.Type? reader = typeof(ParquetReader).Assembly.GetType(ReaderName);
        MethodInfo? read = reader is null
            ? null
            : typeof(FileMetaData).GetMethod("Read", BindingFlags.NonPublic | BindingFlags.Static, [reader]);
        if (reader is null || read is null)
        {
            throw new InvalidOperationException(
                $"Parquet.Net {typeof(ParquetReader).Assembly.GetName().Version} has no {ReaderName} or FileMetaData.Read({ReaderName}); " +
                "ShardFile checks footers with them (written against Parquet.Net 6.1.0): update it for this version.");
        }

        return footer =>
        {
            try
            {
                read.Invoke(null, [Activator.CreateInstance(reader, footer)]);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(e.InnerException);
            }
        };
    }

    /// <summary>The footer's bytes; reading a byte past them throws instead of giving -1.</summary>
    private sealed class FooterBytes(byte[] footer) : MemoryStream(footer, writable: false)
    {
        public override int ReadByte()
        {
            int value = base.ReadByte();
            return value >= 0 ? value : throw new EndOfStreamException();
        }
    }
}
