using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Video;

/// <summary>What one synthetic clip shows: a shape in a colour, moving or changing size in one way.</summary>
internal sealed record SyntheticVideoScene(int Colour, int Shape, int Motion)
{
    public string Caption => $"a {SyntheticShapes.Colours[Colour]} {SyntheticShapes.Shapes[Shape]} {SyntheticVideo.Motions[Motion]}";
}
