using System.Text.Json;
using Orchestrator.Core.Safetensors;
using Orchestrator.Evaluator.Clip;
using Orchestrator.Models.State;

namespace Orchestrator.Evaluator.Tests.Clip;

/// <summary>A tiny CLIP in Hugging Face's file layout, built the way CLIP's own vocabulary is: bytes, bytes + "&lt;/w&gt;", merges, specials.</summary>
internal static class TinyClip
{
    /// <summary>Merges in rank order: h e, l o&lt;/w&gt;, he l, hel lo&lt;/w&gt; make "hello" one token.</summary>
    public static readonly (string, string)[] Merges = [("h", "e"), ("l", "o</w>"), ("he", "l"), ("hel", "lo</w>")];

    public const int VocabSize = 512 + 4 + 2;

    /// <summary>GPT-2's byte-to-character table, written independently of the tokenizer's.</summary>
    public static string ByteCharacter(int b)
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range(0xA1, 12)).Concat(Enumerable.Range(0xAE, 0x52)).ToList();
        int index = printable.IndexOf(b);
        return index >= 0 ? ((char)b).ToString() : ((char)(256 + Enumerable.Range(0, 256).Where(x => !printable.Contains(x)).ToList().IndexOf(b))).ToString();
    }

    /// <summary>Id of a byte's character: CLIP lists the printable bytes first, in byte order, then the others.</summary>
    public static int ByteId(int b)
    {
        var order = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range(0xA1, 12)).Concat(Enumerable.Range(0xAE, 0x52)).ToList();
        order.AddRange(Enumerable.Range(0, 256).Where(x => !order.Contains(x)));
        return order.IndexOf(b);
    }

    public static Dictionary<string, int> Vocabulary()
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            vocabulary[ByteCharacter(b)] = ByteId(b);
            vocabulary[ByteCharacter(b) + "</w>"] = ByteId(b) + 256;
        }
        int next = 512;
        foreach (var (left, right) in Merges)
            vocabulary[left + right] = next++;
        vocabulary[ClipTokenizer.StartOfText] = next++;
        vocabulary[ClipTokenizer.EndOfText] = next;
        return vocabulary;
    }

    public static ClipTokenizer Tokenizer() => new(Vocabulary(), Merges);

    /// <summary>Writes config.json, vocab.json, merges.txt and random model.safetensors into the folder.</summary>
    public static ClipFiles Write(string folder, int contextLength = 16, string dtype = "F32")
    {
        string configPath = Path.Combine(folder, "config.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(new
        {
            projection_dim = 8,
            text_config = new { vocab_size = VocabSize, hidden_size = 16, intermediate_size = 32, num_attention_heads = 2, num_hidden_layers = 2, max_position_embeddings = contextLength },
            vision_config = new { hidden_size = 12, intermediate_size = 24, num_attention_heads = 3, num_hidden_layers = 2, image_size = 32, patch_size = 8 },
        }));
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(Vocabulary()));
        File.WriteAllLines(Path.Combine(folder, "merges.txt"), ["#version: 0.2", .. Merges.Select(m => $"{m.Item1} {m.Item2}")]);

        var config = ClipConfig.Load(configPath);
        using var model = new ClipModel(config, endOfText: VocabSize - 1);
        var tensors = ModuleState.Capture(model);
        if (dtype == "F16")
            tensors = [.. tensors.Select(t => new KeyValuePair<string, SafeTensor>(t.Key, ToHalf(t.Value)))];
        string weights = Path.Combine(folder, "model.safetensors");
        SafetensorsFile.Write(weights, tensors);
        return ClipFiles.FromSpec(weights);
    }

    private static SafeTensor ToHalf(SafeTensor tensor)
    {
        var halves = tensor.ToFloats().Select(f => (Half)f).ToArray();
        var bytes = new byte[halves.Length * 2];
        Buffer.BlockCopy(halves.Select(BitConverter.HalfToUInt16Bits).ToArray(), 0, bytes, 0, bytes.Length);
        return new SafeTensor("F16", tensor.Shape, bytes);
    }
}
