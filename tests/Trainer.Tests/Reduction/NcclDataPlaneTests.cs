using System.Runtime.InteropServices;
using Orchestrator.Trainer.Reduction.Nccl;
using TorchSharp;

namespace Orchestrator.Trainer.Tests.Reduction;

/// <summary>
/// The CPU side of the NCCL reducer: which data plane a node picks and why. The collective itself needs a GPU
/// and libnccl, which these machines do not have (docs/allreduce.md).
/// </summary>
public sealed class NcclDataPlaneTests
{
    [Fact]
    public void A_cpu_device_reduces_on_the_tcp_ring_saying_why()
    {
        var choice = NcclDataPlane.Choose(torch.CPU);

        Assert.Null(choice.Nccl);
        Assert.Equal("the TCP ring (train.device resolved to cpu; NCCL needs cuda)", choice.Description);
    }

    [Fact]
    public void A_cuda_device_without_libnccl_reduces_on_the_tcp_ring_naming_the_library()
    {
        var choice = NcclDataPlane.Choose(new torch.Device(DeviceType.CUDA, 0), "libnccl-absent.so.2");

        Assert.Null(choice.Nccl);
        Assert.Equal(
            "the TCP ring (train.device is cuda, but libnccl-absent.so.2 could not be loaded (not installed, or not on the library path))",
            choice.Description);
    }

    [Fact]
    public void A_library_that_loads_but_is_not_nccl_is_refused_naming_the_missing_symbol()
    {
        // libc loads everywhere and has no NCCL symbols; a CUDA runtime is looked for only after NCCL loaded.
        bool loaded = NcclNative.TryLoad("libc.so.6", ["libc.so.6"], out var native, out string reason);

        Assert.False(loaded);
        Assert.Null(native);
        Assert.Equal("libc.so.6 loaded but is not usable: the symbol ncclGetVersion is missing", reason);
    }

    [Fact]
    public void A_unique_id_of_the_wrong_length_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => NcclNative.UniqueId.From(new byte[127]));

        Assert.StartsWith("an NCCL unique id has 128 bytes; got 127", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_unique_id_is_passed_to_native_code_as_128_bytes_by_value()
    {
        // ncclCommInitRank takes the 128-byte ncclUniqueId by value: the delegate marshaller must see a blittable 128-byte struct.
        Assert.Equal(NcclNative.UniqueIdBytes, Marshal.SizeOf<NcclNative.UniqueId>());
        var pinned = GCHandle.Alloc(default(NcclNative.UniqueId), GCHandleType.Pinned);
        pinned.Free();
    }

    [Fact]
    public void A_unique_id_keeps_its_bytes()
    {
        var bytes = Enumerable.Range(0, NcclNative.UniqueIdBytes).Select(i => (byte)(i * 7)).ToArray();

        var id = NcclNative.UniqueId.From(bytes);

        Assert.Equal(bytes, ((ReadOnlySpan<byte>)id).ToArray());
    }
}
