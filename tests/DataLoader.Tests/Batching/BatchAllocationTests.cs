using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Tests.Shards;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Batching;

[Collection(AloneCollection.Name)]
public sealed class BatchAllocationTests
{
    private const int Size = 64;
    private const int Batch = 16;

    // Each row is decoded into its slot of the batch tensor (libtorch's memory): a batch allocates no
    // float array per image nor one for the batch. Measured here: about 60 KB per batch against 2.4 MB
    // when it did. The row group is read (and cached) in the warm-up, so only decoding and collating count.
    [Fact]
    public async Task A_batch_allocates_far_less_managed_memory_than_its_pixels()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 32, rowGroupSize: 32);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var plan = new SamplePlan(catalog.TotalRows, Batch, seed: 3, blockSize: 32);
        var source = new BatchSource(catalog, plan, Size, new CaptionTokenizer(256, 10), decodeThreads: 2, new SkipCounter());
        for (long step = 0; step < 4; step++)
        {
            using TrainingBatch warm = await source.ReadAsync(step, 0, Batch);
        }

        const int Steps = 6;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (long step = 4; step < 4 + Steps; step++)
        {
            using TrainingBatch batch = await source.ReadAsync(step, 0, Batch);
        }

        long perBatch = (GC.GetTotalAllocatedBytes(precise: true) - before) / Steps;
        long pixelBytes = (long)Batch * 3 * Size * Size * sizeof(float);
        Assert.True(perBatch < pixelBytes / 4, $"{perBatch} bytes allocated per batch; its pixels are {pixelBytes} bytes");
    }
}
