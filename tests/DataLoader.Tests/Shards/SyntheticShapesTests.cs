using Orchestrator.DataLoader.Shards;
using SkiaSharp;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class SyntheticShapesTests
{
    [Fact]
    public void The_same_seed_index_and_size_give_the_same_bytes()
    {
        SyntheticRow first = SyntheticShapes.Generate(seed: 4, index: 123, imageSize: 32);
        SyntheticRow again = SyntheticShapes.Generate(seed: 4, index: 123, imageSize: 32);
        SyntheticRow other = SyntheticShapes.Generate(seed: 4, index: 124, imageSize: 32);

        Assert.Equal(first.Jpeg, again.Jpeg);
        Assert.Equal(first.Caption, again.Caption);
        Assert.Equal("000000123", first.Key);
        Assert.NotEqual(first.Jpeg, other.Jpeg);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void Captions_name_the_colours_where_they_are_drawn(int size)
    {
        for (long index = 0; index < 40; index++)
        {
            SyntheticRow row = SyntheticShapes.Generate(seed: 9, index: index, imageSize: size);
            SyntheticScene scene = SyntheticShapes.Describe(9, index);
            Assert.Equal(scene.Caption, row.Caption);
            Assert.StartsWith($"a {SyntheticShapes.Colours[scene.ColourA]} {SyntheticShapes.Shapes[scene.ShapeA]} ", row.Caption, StringComparison.Ordinal);

            using SKBitmap bitmap = SKBitmap.Decode(row.Jpeg);
            Assert.Equal((size, size), (bitmap.Width, bitmap.Height));
            int half = size / 2;
            SKRectI first = new(0, 0, size, half);
            SKRectI second = new(0, half, size, size);
            if (scene.Relation >= 2)
            {
                first = new SKRectI(0, 0, half, size);
                second = new SKRectI(half, 0, size, size);
            }

            if (scene.Relation is 1 or 3)
            {
                (first, second) = (second, first);
            }

            Assert.Equal(scene.ColourA, DominantColour(bitmap, first));
            Assert.Equal(scene.ColourB, DominantColour(bitmap, second));
        }
    }

    // The palette colour that most pixels of the region are nearest to, ignoring the background.
    private static int DominantColour(SKBitmap bitmap, SKRectI region)
    {
        var votes = new int[SyntheticShapes.Palette.Count];
        for (int y = region.Top; y < region.Bottom; y++)
        {
            for (int x = region.Left; x < region.Right; x++)
            {
                SKColor pixel = bitmap.GetPixel(x, y);
                int nearest = -1;
                int best = Distance(pixel, SyntheticShapes.Background);
                for (int c = 0; c < votes.Length; c++)
                {
                    int d = Distance(pixel, SyntheticShapes.Palette[c]);
                    if (d < best)
                    {
                        (best, nearest) = (d, c);
                    }
                }

                if (nearest >= 0)
                {
                    votes[nearest]++;
                }
            }
        }

        return Array.IndexOf(votes, votes.Max());
    }

    private static int Distance(SKColor a, SKColor b) =>
        ((a.Red - b.Red) * (a.Red - b.Red)) + ((a.Green - b.Green) * (a.Green - b.Green)) + ((a.Blue - b.Blue) * (a.Blue - b.Blue));
}
