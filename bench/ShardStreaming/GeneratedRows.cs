using System.Collections;
using Orchestrator.DataLoader.Shards;

namespace Orchestrator.Bench.ShardStreaming;

/// <summary>
/// The shard's rows, made when asked for, so that writing a 2 GB shard holds one row group in memory, not
/// the shard. Row i is photograph i mod n with a JPEG comment segment (COM, FF FE) of random bytes after the
/// start-of-image marker: every row's bytes differ and do not compress, while decoding ignores the comment.
/// An IList, so that ShardWriter's Skip/Take reaches a row group by index instead of enumerating from 0.
/// </summary>
internal sealed class GeneratedRows(IReadOnlyList<(string Name, byte[] Bytes)> photographs, int count, int commentBytes)
    : IList<ShardRow>, IReadOnlyList<ShardRow>
{
    public int Count => count;

    public bool IsReadOnly => true;

    public ShardRow this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
            (string name, byte[] jpeg) = photographs[index % photographs.Count];
            var comment = new byte[4 + commentBytes];
            comment[0] = 0xFF;
            comment[1] = 0xFE;
            comment[2] = (byte)((commentBytes + 2) >> 8);
            comment[3] = (byte)(commentBytes + 2);
            new Random(index).NextBytes(comment.AsSpan(4));
            byte[] image = [.. jpeg.AsSpan(0, 2), .. comment, .. jpeg.AsSpan(2)];
            return new ShardRow($"{index:D8}", $"a photograph of {Path.GetFileNameWithoutExtension(name)}, copy {index / photographs.Count}", image);
        }
        set => throw new NotSupportedException();
    }

    public IEnumerator<ShardRow> GetEnumerator()
    {
        for (int i = 0; i < count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public int IndexOf(ShardRow item) => throw new NotSupportedException();

    public bool Contains(ShardRow item) => throw new NotSupportedException();

    public void CopyTo(ShardRow[] array, int arrayIndex)
    {
        for (int i = 0; i < count; i++)
            array[arrayIndex + i] = this[i];
    }

    public void Add(ShardRow item) => throw new NotSupportedException();

    public void Insert(int index, ShardRow item) => throw new NotSupportedException();

    public bool Remove(ShardRow item) => throw new NotSupportedException();

    public void RemoveAt(int index) => throw new NotSupportedException();

    public void Clear() => throw new NotSupportedException();
}
