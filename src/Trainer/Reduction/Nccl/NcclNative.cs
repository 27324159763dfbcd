using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orchestrator.Trainer.Reduction.Nccl;

/// <summary>
/// NCCL's C API (libnccl.so.2) and the few CUDA runtime calls its reducer needs (libcudart), loaded at run time
/// with <see cref="NativeLibrary"/>, so that a machine without them still runs (on the TCP ring). Signatures
/// follow nccl.h (NCCL 2.x) and cuda_runtime_api.h; enum values are theirs.
/// </summary>
internal sealed class NcclNative
{
    public const string NcclLibrary = "libnccl.so.2";

    /// <summary>NCCL_UNIQUE_ID_BYTES.</summary>
    public const int UniqueIdBytes = 128;

    /// <summary>CUDA runtimes tried in order (the versioned names are what the toolkits install).</summary>
    public static readonly IReadOnlyList<string> CudaRuntimeLibraries = ["libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"];

    // nccl.h: ncclResult_t, ncclDataType_t, ncclRedOp_t.
    public const int Success = 0;
    public const int InProgress = 7;
    public const int Int64 = 4;
    public const int Float16 = 6;
    public const int Float32 = 7;
    public const int BFloat16 = 9;
    public const int Sum = 0;
    public const int Max = 2;

    // cuda_runtime_api.h: cudaError_t, cudaMemcpyKind, stream flags.
    public const int CudaSuccess = 0;
    public const int CudaErrorNotReady = 600;
    public const int HostToDevice = 1;
    public const int DeviceToHost = 2;
    public const uint StreamNonBlocking = 1;

    private NcclNative(IntPtr nccl, IntPtr cudart)
    {
        GetVersion = Export<NcclGetVersion>(nccl, "ncclGetVersion");
        GetUniqueId = Export<NcclGetUniqueId>(nccl, "ncclGetUniqueId");
        CommInitRank = Export<NcclCommInitRank>(nccl, "ncclCommInitRank");
        AllReduce = Export<NcclAllReduceCall>(nccl, "ncclAllReduce");
        CommGetAsyncError = Export<NcclCommGetAsyncError>(nccl, "ncclCommGetAsyncError");
        CommAbort = Export<NcclComm>(nccl, "ncclCommAbort");
        CommDestroy = Export<NcclComm>(nccl, "ncclCommDestroy");
        GetErrorString = Export<NcclGetErrorString>(nccl, "ncclGetErrorString");
        SetDevice = Export<CudaSetDevice>(cudart, "cudaSetDevice");
        StreamCreateWithFlags = Export<CudaStreamCreateWithFlags>(cudart, "cudaStreamCreateWithFlags");
        StreamDestroy = Export<CudaStream>(cudart, "cudaStreamDestroy");
        StreamQuery = Export<CudaStream>(cudart, "cudaStreamQuery");
        Malloc = Export<CudaMalloc>(cudart, "cudaMalloc");
        Free = Export<CudaFree>(cudart, "cudaFree");
        MemcpyAsync = Export<CudaMemcpyAsync>(cudart, "cudaMemcpyAsync");
        CudaErrorString = Export<CudaGetErrorString>(cudart, "cudaGetErrorString");
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int NcclGetVersion(out int version);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int NcclGetUniqueId(out UniqueId id);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int NcclCommInitRank(out IntPtr comm, int ranks, UniqueId id, int rank);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int NcclAllReduceCall(IntPtr send, IntPtr receive, nuint count, int dataType, int op, IntPtr comm, IntPtr stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int NcclCommGetAsyncError(IntPtr comm, out int error);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int NcclComm(IntPtr comm);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr NcclGetErrorString(int result);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CudaSetDevice(int device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CudaStreamCreateWithFlags(out IntPtr stream, uint flags);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CudaStream(IntPtr stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CudaMalloc(out IntPtr pointer, nuint bytes);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CudaFree(IntPtr pointer);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CudaMemcpyAsync(IntPtr destination, IntPtr source, nuint bytes, int kind, IntPtr stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr CudaGetErrorString(int error);

    public NcclGetVersion GetVersion { get; }
    public NcclGetUniqueId GetUniqueId { get; }
    public NcclCommInitRank CommInitRank { get; }
    public NcclAllReduceCall AllReduce { get; }
    public NcclCommGetAsyncError CommGetAsyncError { get; }
    public NcclComm CommAbort { get; }
    public NcclComm CommDestroy { get; }
    public NcclGetErrorString GetErrorString { get; }
    public CudaSetDevice SetDevice { get; }
    public CudaStreamCreateWithFlags StreamCreateWithFlags { get; }
    public CudaStream StreamDestroy { get; }
    public CudaStream StreamQuery { get; }
    public CudaMalloc Malloc { get; }
    public CudaFree Free { get; }
    public CudaMemcpyAsync MemcpyAsync { get; }
    public CudaGetErrorString CudaErrorString { get; }

    /// <summary>NCCL's version as major.minor.patch (from ncclGetVersion's code, e.g. 22304 = 2.23.4).</summary>
    public string Version
    {
        get
        {
            Check(GetVersion(out int code), "ncclGetVersion");
            return code >= 10000 ? $"{code / 10000}.{code / 100 % 100}.{code % 100}" : $"{code / 1000}.{code / 100 % 10}.{code % 100}";
        }
    }

    /// <summary>
    /// Loads NCCL and a CUDA runtime; false with the reason (which library, what the loader said, or which
    /// symbol is missing) when either cannot be had.
    /// </summary>
    public static bool TryLoad(string ncclLibrary, IReadOnlyList<string> cudaRuntimes, out NcclNative? native, out string reason)
    {
        ArgumentNullException.ThrowIfNull(cudaRuntimes);
        native = null;
        if (!NativeLibrary.TryLoad(ncclLibrary, out var nccl))
        {
            reason = $"{ncclLibrary} could not be loaded (not installed, or not on the library path)";
            return false;
        }
        var cudart = IntPtr.Zero;
        if (cudaRuntimes.FirstOrDefault(name => NativeLibrary.TryLoad(name, out cudart)) is null)
        {
            reason = $"no CUDA runtime could be loaded (tried {string.Join(", ", cudaRuntimes)})";
            return false;
        }
        try
        {
            native = new NcclNative(nccl, cudart);
            reason = $"NCCL {native.Version}";
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or InvalidOperationException)
        {
            reason = $"{ncclLibrary} loaded but is not usable: {e.Message}";
            return false;
        }
    }

    /// <summary>A fresh unique id: the process that makes it hosts the communicator's bootstrap until every rank joined.</summary>
    public byte[] NewUniqueId()
    {
        Check(GetUniqueId(out var id), "ncclGetUniqueId");
        return ((ReadOnlySpan<byte>)id).ToArray();
    }

    public void Check(int result, string call)
    {
        if (result != Success)
        {
            throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringAnsi(GetErrorString(result))} (ncclResult {result})");
        }
    }

    public void CheckCuda(int error, string call)
    {
        if (error != CudaSuccess)
        {
            throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringAnsi(CudaErrorString(error))} (cudaError {error})");
        }
    }

    private static T Export<T>(IntPtr library, string name)
        where T : Delegate =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? Marshal.GetDelegateForFunctionPointer<T>(address)
            : throw new EntryPointNotFoundException($"the symbol {name} is missing");

    /// <summary>ncclUniqueId: 128 opaque bytes (NCCL_UNIQUE_ID_BYTES), passed by value.</summary>
    [InlineArray(UniqueIdBytes)]
    public struct UniqueId
    {
        private byte _element;

        public static UniqueId From(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length != UniqueIdBytes)
            {
                throw new ArgumentException($"an NCCL unique id has {UniqueIdBytes} bytes; got {bytes.Length}", nameof(bytes));
            }
            var id = default(UniqueId);
            bytes.CopyTo(id);
            return id;
        }
    }
}
