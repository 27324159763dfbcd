using System.Security.Cryptography;
using Orchestrator.Core.Safetensors;
using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Replica;

/// <summary>
/// Makes every member of a group hold the state (weights, EMA, optimizer) of one source rank, over the
/// gradient data plane: the source contributes its state's bytes and every other member zeros to an
/// integer sum, which hands the bytes to all exactly. Used when a group re-forms, so that a joining
/// worker starts from the survivors' weights and every replica is bit-identical afterwards.
/// </summary>
/// <remarks>
/// Replicas of one run have the same tensors in the same order (they are built from one spec), so only
/// the data travels; names, dtypes and shapes come from the receiver's own state and a length check
/// catches a replica built from a different spec. A sum costs twice a broadcast's traffic, which is small
/// next to training: the model's state crosses once per membership change.
/// </remarks>
public static class StateBroadcast
{
    public static async Task RunAsync(ModelReplica replica, IAllReduce group, int sourceRank, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replica);
        ArgumentNullException.ThrowIfNull(group);
        var state = replica.Capture();
        byte[] bytes = Flatten(state);
        bool source = group.Rank == sourceRank;

        var length = new long[] { source ? bytes.Length : 0 };
        await group.SumAsync(length, cancellationToken).ConfigureAwait(false);
        if (length[0] != bytes.Length)
        {
            throw new InvalidOperationException(
                $"rank {group.Rank}: the state of rank {sourceRank} is {length[0]} bytes, this replica's is {bytes.Length}: " +
                "the replicas were built from different model specs");
        }

        var words = new long[(bytes.Length + 7) / 8];
        if (source)
        {
            Buffer.BlockCopy(bytes, 0, words, 0, bytes.Length);
        }
        await group.SumAsync(words, cancellationToken).ConfigureAwait(false);
        if (source)
        {
            return;
        }
        Buffer.BlockCopy(words, 0, bytes, 0, bytes.Length);
        replica.Restore(Unflatten(state, bytes));
    }

    /// <summary>sha256 of the replica's whole state: equal fingerprints mean bit-identical replicas.</summary>
    public static string Fingerprint(ModelReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return Convert.ToHexStringLower(SHA256.HashData(Flatten(replica.Capture())));
    }

    private static byte[] Flatten(Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> state)
    {
        var ordered = state.OrderBy(f => f.Key, StringComparer.Ordinal).SelectMany(f => f.Value).ToList();
        var bytes = new byte[ordered.Sum(t => (long)t.Value.Data.Length)];
        int offset = 0;
        foreach (var (_, tensor) in ordered)
        {
            tensor.Data.CopyTo(bytes, offset);
            offset += tensor.Data.Length;
        }
        return bytes;
    }

    private static Dictionary<string, SafetensorsContent> Unflatten(
        Dictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> layout, byte[] bytes)
    {
        var files = new Dictionary<string, SafetensorsContent>();
        int offset = 0;
        foreach (var (file, tensors) in layout.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var received = new List<KeyValuePair<string, SafeTensor>>(tensors.Count);
            foreach (var (name, tensor) in tensors)
            {
                var data = bytes.AsSpan(offset, tensor.Data.Length).ToArray();
                offset += data.Length;
                received.Add(new(name, tensor with { Data = data }));
            }
            files[file] = new SafetensorsContent($"state broadcast: {file}", received, new Dictionary<string, string>());
        }
        return files;
    }
}
