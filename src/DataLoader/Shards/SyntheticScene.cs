namespace Orchestrator.DataLoader.Shards;

/// <summary>What one synthetic image shows: shape A in its colour, in a relation to shape B in another colour.</summary>
internal sealed record SyntheticScene(int ColourA, int ShapeA, int Relation, int ColourB, int ShapeB)
{
    public string Caption =>
        $"a {SyntheticShapes.Colours[ColourA]} {SyntheticShapes.Shapes[ShapeA]} {SyntheticShapes.Relations[Relation]}"
        + $" a {SyntheticShapes.Colours[ColourB]} {SyntheticShapes.Shapes[ShapeB]}";
}
