using System.Text;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// Captions of an image folder from a `file,caption` table: CSV (RFC 4180 quoting: a quoted field
/// may hold commas, line breaks and doubled quotes) or TSV (tab-separated, no quoting, as the IANA
/// text/tab-separated-values type defines it).
/// </summary>
/// <remarks>
/// The header is optional: the first record is taken as one when its first field does not name a
/// .jpg, .jpeg or .png file. File names are relative to the image folder, with / or \ between folders.
/// </remarks>
public sealed class CaptionTable
{
    private readonly Dictionary<string, (string Caption, int Line)> _captions;

    private CaptionTable(string source, Dictionary<string, (string Caption, int Line)> captions)
    {
        Source = source;
        _captions = captions;
    }

    /// <summary>The table's file.</summary>
    public string Source { get; }

    public int Count => _captions.Count;

    /// <summary>Every file the table names (normalised, / between folders) with the line it is on.</summary>
    public IEnumerable<(string File, int Line)> Files => _captions.Select(c => (c.Key, c.Value.Line));

    /// <summary>Reads a .csv or .tsv table; a malformed line throws <see cref="InvalidDataException"/> naming the file and line.</summary>
    public static CaptionTable Load(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        char separator = extension switch
        {
            ".csv" => ',',
            ".tsv" => '\t',
            _ => throw new InvalidDataException($"Caption table {path}: expected a .csv or .tsv file"),
        };
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Caption table {path} does not exist.", path);
        }

        return Parse(File.ReadAllText(path), separator, path);
    }

    /// <summary>Parses the text of a table; <paramref name="source"/> names it in errors.</summary>
    public static CaptionTable Parse(string text, char separator, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        IEnumerable<(int Line, List<string> Fields)> records = separator == ','
            ? CsvRecords(text, source)
            : TsvRecords(text, separator);
        var captions = new Dictionary<string, (string Caption, int Line)>(StringComparer.Ordinal);
        bool first = true;
        foreach ((int line, List<string> fields) in records)
        {
            if (fields.Count != 2)
            {
                throw new InvalidDataException(
                    $"Caption table {source}, line {line}: expected 2 fields (file{Name(separator)}caption), found {fields.Count}");
            }

            bool header = first && !ImageFolderImport.IsImageName(fields[0]);
            first = false;
            if (header)
            {
                continue;
            }

            string file = NormalizeName(fields[0]);
            if (captions.TryGetValue(file, out var earlier))
            {
                throw new InvalidDataException(
                    $"Caption table {source}, line {line}: {file} is already captioned on line {earlier.Line}");
            }

            captions[file] = (fields[1], line);
        }

        return new CaptionTable(source, captions);
    }

    /// <summary>The caption of <paramref name="file"/> (relative to the image folder), if the table has one.</summary>
    public bool TryGet(string file, out string caption)
    {
        bool found = _captions.TryGetValue(NormalizeName(file), out var entry);
        caption = entry.Caption;
        return found;
    }

    internal static string NormalizeName(string file)
    {
        string name = file.Trim().Replace('\\', '/');
        while (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        return name;
    }

    private static string Name(char separator) => separator == '\t' ? "<tab>" : separator.ToString();

    private static IEnumerable<(int Line, List<string> Fields)> TsvRecords(string text, char separator)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length > 0)
            {
                yield return (i + 1, [.. line.Split(separator)]);
            }
        }
    }

    // RFC 4180: records end at CRLF (a bare LF is accepted too), fields at commas; a field that
    // starts with a quote runs to the matching quote, "" inside it being one quote.
    private static List<(int Line, List<string> Fields)> CsvRecords(string text, string source)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1;
        int recordLine = 1;
        int i = 0;
        bool recordHasContent = false;
        while (i <= text.Length)
        {
            if (i < text.Length && text[i] == '"' && field.Length == 0)
            {
                int quoteLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new InvalidDataException($"Caption table {source}, line {quoteLine}: a quoted field is not closed");
                    }

                    char c = text[i++];
                    if (c == '"')
                    {
                        if (i < text.Length && text[i] == '"')
                        {
                            field.Append('"');
                            i++;
                            continue;
                        }

                        break;
                    }

                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                recordHasContent = true;
                bool atEnd = i >= text.Length || text[i] is ',' or '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] == '\n'));
                if (!atEnd)
                {
                    throw new InvalidDataException(
                        $"Caption table {source}, line {line}: unexpected '{text[i]}' after a closing quote (expected , or the end of the line)");
                }

                continue;
            }

            if (i == text.Length || text[i] == '\n' || (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n'))
            {
                if (recordHasContent || field.Length > 0 || fields.Count > 0)
                {
                    fields.Add(field.ToString());
                    records.Add((recordLine, fields));
                }

                fields = [];
                field.Clear();
                recordHasContent = false;
                i += i < text.Length && text[i] == '\r' ? 2 : 1;
                line++;
                recordLine = line;
                continue;
            }

            if (text[i] == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                recordHasContent = true;
            }
            else
            {
                field.Append(text[i]);
            }

            i++;
        }

        return records;
    }
}
