namespace Orchestrator.Bench.DataThroughput;

/// <summary>One way of turning a JPEG's bytes into a float [3, S, S] tensor, timed by stage.</summary>
internal interface IImagePath
{
    TimeSpan Decode { get; }

    TimeSpan Transform { get; }

    TimeSpan TensorCopy { get; }

    void ResetStages();

    void Run(string name, byte[] encoded);
}
