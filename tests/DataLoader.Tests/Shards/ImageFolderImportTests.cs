using System.Security.Cryptography;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;
using Parquet;
using SkiaSharp;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class ImageFolderImportTests
{
    [Fact]
    public void The_plan_takes_images_sorted_and_recursive_with_sidecar_captions()
    {
        using var folder = new TemporaryFolder();
        Directory.CreateDirectory(folder.File("sub"));
        Image(folder, "b.png", "a blue thing");
        Image(folder, "a.JPG", "an apple");
        Image(folder, "sub/c.jpeg", "  ");
        Image(folder, "d.png", null);
        File.WriteAllText(folder.File("notes.md"), "not an image");

        ImportPlan plan = ImageFolderImport.Plan(folder.Path);

        Assert.Equal(["a.JPG", "b.png"], plan.Items.Select(i => i.Name));
        Assert.Equal("an apple", plan.Items[0].Caption);
        Assert.Equal(
            [new ImportSkip("d.png", ImportSkipReason.NoCaption), new ImportSkip("sub/c.jpeg", ImportSkipReason.NoCaption)],
            plan.Skipped);
    }

    [Fact]
    public void With_a_table_the_captions_come_from_it_and_a_row_naming_a_missing_image_is_skipped()
    {
        using var folder = new TemporaryFolder();
        Directory.CreateDirectory(folder.File("sub"));
        Image(folder, "a.png", "sidecar, not used");
        Image(folder, "sub/b.png", null);
        Image(folder, "c.png", null);
        CaptionTable table = CaptionTable.Parse("file,caption\na.png,from the table\nsub/b.png,b\nmissing.png,m\n", ',', "t.csv");

        ImportPlan plan = ImageFolderImport.Plan(folder.Path, table);

        Assert.Equal([("a.png", "from the table"), ("sub/b.png", "b")], plan.Items.Select(i => (i.Name, i.Caption)));
        Assert.Equal(
            [new ImportSkip("c.png", ImportSkipReason.NoCaption), new ImportSkip("missing.png", ImportSkipReason.MissingImage, "line 4 of t.csv")],
            plan.Skipped);
    }

    [Fact]
    public async Task Import_writes_img2dataset_shards_that_the_catalog_reads_and_skips_non_images()
    {
        using var folder = new TemporaryFolder();
        string images = Path.Combine(folder.Path, "images");
        Directory.CreateDirectory(images);
        for (int i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(images, $"img{i}.png"), TestImages.Encode(20 + i, 12, SKColors.Red, SKColors.Green, SKEncodedImageFormat.Png));
            File.WriteAllText(Path.Combine(images, $"img{i}.txt"), $"caption {i}");
        }

        File.WriteAllText(Path.Combine(images, "broken.jpg"), "this is text");
        File.WriteAllText(Path.Combine(images, "broken.txt"), "a caption");
        string output = Path.Combine(folder.Path, "shards");

        ImportResult result = await ImageFolderImport.WriteAsync(ImageFolderImport.Plan(images), output, rowsPerShard: 2, rowGroupSize: 2);

        Assert.Equal(5, result.Rows);
        Assert.Equal(["00000.parquet", "00001.parquet", "00002.parquet"], result.Shards.Select(Path.GetFileName));
        Assert.Equal(new ImportSkip("broken.jpg", ImportSkipReason.NotAnImage), Assert.Single(result.Skipped));
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = output }]);
        Assert.Equal(5, catalog.TotalRows);
        ShardInspection first = await ShardInspection.InspectAsync(result.Shards[0]);
        Assert.Equal(["caption 0", "caption 1"], first.FirstCaptions);
        Assert.Empty(first.Img2DatasetMissing);
    }

    [Fact]
    public async Task Keys_sizes_and_hashes_come_from_the_image_files()
    {
        using var folder = new TemporaryFolder();
        byte[] png = TestImages.Encode(30, 10, SKColors.Red, SKColors.Green, SKEncodedImageFormat.Png);
        File.WriteAllBytes(folder.File("x.png"), png);
        File.WriteAllText(folder.File("x.txt"), "a red and green strip\n");
        string output = folder.File("out");

        ImportResult result = await ImageFolderImport.WriteAsync(ImageFolderImport.Plan(folder.Path), output, 10, 10);

        await using ParquetReader reader = await ParquetReader.CreateAsync(result.Shards[0], null, default);
        ParquetRowGroupReader group = reader.OpenRowGroupReader(0);
        async Task<string?> TextAsync(string column)
        {
            var values = new string?[1];
            await group.ReadAsync(reader.Schema.DataFields.Single(f => f.Name == column), values.AsMemory(), null, default);
            return values[0];
        }

        async Task<int?> NumberAsync(string column)
        {
            var values = new int?[1];
            await group.ReadAsync<int>(reader.Schema.DataFields.Single(f => f.Name == column), values.AsMemory(), null, default);
            return values[0];
        }

        var image = new byte[]?[1];
        await group.ReadAsync(reader.Schema.DataFields.Single(f => f.Name == "jpg"), image.AsMemory(), null, default);
        Assert.Equal("000000000", await TextAsync("key"));
        Assert.Equal("a red and green strip", await TextAsync("caption"));
        Assert.Equal(ShardWriter.SuccessStatus, await TextAsync("status"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), await TextAsync("sha256"));
        Assert.Equal((30, 10), (await NumberAsync("width"), await NumberAsync("height")));
        Assert.Equal(png, image[0]);
    }

    [Fact]
    public async Task Import_refuses_a_folder_that_already_holds_shards()
    {
        using var folder = new TemporaryFolder();
        string output = folder.File("out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "00000.parquet"), "");

        var error = await Assert.ThrowsAsync<ShardException>(
            () => ImageFolderImport.WriteAsync(new ImportPlan([], []), output, 10, 10));

        Assert.Equal(output, error.ShardPath);
        Assert.Contains("already holds .parquet files (00000.parquet", error.Message);
    }

    [Fact]
    public void A_missing_image_folder_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();

        var error = Assert.Throws<DirectoryNotFoundException>(() => ImageFolderImport.Plan(folder.File("nowhere")));

        Assert.Contains(folder.File("nowhere"), error.Message);
    }

    private static void Image(TemporaryFolder folder, string name, string? caption)
    {
        string path = folder.File(name);
        File.WriteAllBytes(path, TestImages.Encode(16, 16, SKColors.Red, SKColors.Blue, SKEncodedImageFormat.Png));
        if (caption is not null)
        {
            File.WriteAllText(Path.ChangeExtension(path, ".txt"), caption);
        }
    }
}
