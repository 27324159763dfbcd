using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class CaptionTableTests
{
    [Fact]
    public void Csv_quotes_hold_commas_doubled_quotes_and_line_breaks()
    {
        CaptionTable table = CaptionTable.Parse(
            "file,caption\r\na.png,\"a cat, sitting\"\r\nsub\\b.jpg,\"she said \"\"hi\"\"\"\nc.jpeg,\"two\nlines\"\n\n",
            ',',
            "captions.csv");

        Assert.Equal(3, table.Count);
        Assert.True(table.TryGet("a.png", out string a));
        Assert.Equal("a cat, sitting", a);
        Assert.True(table.TryGet("sub/b.jpg", out string b));
        Assert.Equal("she said \"hi\"", b);
        Assert.True(table.TryGet("c.jpeg", out string c));
        Assert.Equal("two\nlines", c);
        Assert.False(table.TryGet("file", out _));
    }

    [Fact]
    public void The_header_is_optional()
    {
        CaptionTable table = CaptionTable.Parse("a.png,first\nb.png,second", ',', "captions.csv");

        Assert.Equal(2, table.Count);
        Assert.True(table.TryGet("./a.png", out string a));
        Assert.Equal("first", a);
    }

    [Fact]
    public void Tsv_splits_on_tabs_without_quoting()
    {
        CaptionTable table = CaptionTable.Parse("file\tcaption\r\na.png\t\"quoted\", as is\n", '\t', "captions.tsv");

        Assert.True(table.TryGet("a.png", out string a));
        Assert.Equal("\"quoted\", as is", a);
        Assert.Equal([("a.png", 2)], table.Files);
    }

    [Theory]
    [InlineData("file,caption\na.png,one\nb.png,two,three\n", "captions.csv, line 3: expected 2 fields (file,caption), found 3")]
    [InlineData("a.png,one\nb.png\n", "captions.csv, line 2: expected 2 fields (file,caption), found 1")]
    [InlineData("a.png,\"one\nb.png,two\n", "captions.csv, line 1: a quoted field is not closed")]
    [InlineData("a.png,\"one\"x\n", "captions.csv, line 1: unexpected 'x' after a closing quote")]
    [InlineData("a.png,one\nb.png,two\na.png,three\n", "captions.csv, line 3: a.png is already captioned on line 1")]
    public void A_bad_csv_line_is_an_error_naming_the_file_and_line(string text, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => CaptionTable.Parse(text, ',', "captions.csv"));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_tsv_line_with_the_wrong_number_of_fields_is_an_error_naming_the_line()
    {
        var error = Assert.Throws<InvalidDataException>(() => CaptionTable.Parse("a.png\tone\nb.png\ttwo\tthree\n", '\t', "c.tsv"));

        Assert.Contains("c.tsv, line 2: expected 2 fields (file<tab>caption), found 3", error.Message);
    }

    [Fact]
    public void A_table_that_is_neither_csv_nor_tsv_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => CaptionTable.Load("captions.json"));

        Assert.Contains("captions.json: expected a .csv or .tsv file", error.Message);
    }
}
