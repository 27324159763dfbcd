using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Safetensors;
using Orchestrator.Models.Networks;
using Orchestrator.Models.Networks.Video;

namespace Orchestrator.Models.State;

/// <summary>
/// model.init_from: the weights a fresh network starts from instead of its random initialisation. A checkpoint folder
/// gives its EMA weights (ema.safetensors, hashes verified: the weights its samples come from); any other path is read
/// as a safetensors file, such as a checkpoint's model.safetensors. A video UNet given an image UNet's weights takes
/// them into its spatial layers and keeps its temporal branches at zero, so it starts as the image model frame by frame
/// (<see cref="VideoUNet.LoadImageWeights"/>); otherwise every tensor of the network must be in the file with its shape,
/// and the file may hold no other.
/// </summary>
public static class InitialWeights
{
    /// <summary>The checkpoint file a folder's weights are taken from.</summary>
    public const string CheckpointFile = "ema.safetensors";

    /// <summary>Loads <paramref name="initFrom"/> into <paramref name="model"/>; a bad path or tensor is an <see cref="InvalidDataException"/> naming the file and the tensor.</summary>
    public static void Apply(DiffusionModel model, string initFrom)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(initFrom);
        var weights = Read(initFrom);
        try
        {
            if (model is VideoUNet video && !weights.Tensors.Any(t => VideoUNet.IsTemporal(t.Key)))
            {
                video.LoadImageWeights(weights);
                return;
            }

            var state = model.state_dict();
            if (weights.Tensors.FirstOrDefault(t => !state.ContainsKey(t.Key)) is { Key: not null } extra)
            {
                throw new InvalidDataException(
                    $"{weights.Path}: tensor '{extra.Key}' is not a parameter of this {model.GetName()}; expected the weights of " +
                    "a network built from the same model section (or a unet2d's, for a video-unet).");
            }

            ModuleState.Restore(model, weights);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"model.init_from: {e.Message}", e);
        }
    }

    private static SafetensorsContent Read(string initFrom)
    {
        try
        {
            if (Directory.Exists(initFrom))
            {
                return CheckpointStore.LoadFolder(initFrom)[CheckpointFile];
            }

            if (!File.Exists(initFrom))
            {
                throw new FileNotFoundException(
                    $"{Path.GetFullPath(initFrom)} does not exist; expected a checkpoint folder (step-N/) or a .safetensors file");
            }

            return SafetensorsFile.Read(initFrom);
        }
        catch (Exception e) when (e is CheckpointCorruptException or SafetensorsException or FileNotFoundException or KeyNotFoundException)
        {
            throw new InvalidDataException($"model.init_from: {e.Message}", e);
        }
    }
}
