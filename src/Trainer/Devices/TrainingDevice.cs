using TorchSharp;

namespace Orchestrator.Trainer.Devices;

/// <summary>Picks the tensor device from the spec's train.device: auto is cuda when one is present.</summary>
public static class TrainingDevice
{
    public static torch.Device Resolve(string setting) => setting switch
    {
        "cpu" => torch.CPU,
        "cuda" when torch.cuda.is_available() => torch.CUDA,
        "cuda" => throw new InvalidOperationException(
            "train.device is 'cuda' but no CUDA device is available (this build uses TorchSharp-cpu unless built with -p:TorchBackend=cuda)."),
        _ => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
    };
}
