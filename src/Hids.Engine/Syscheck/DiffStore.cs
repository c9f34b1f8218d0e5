using System.IO.Compression;
using System.Text;
using DiffPlex;
using DiffPlex.Model;
using Hids.Engine.Core;

namespace Hids.Engine.Syscheck;

/// <summary>
/// report_changes: the last copy of each watched text file, gzip-compressed under queue/diff/local/&lt;path&gt;/last-entry.gz,
/// and the "What changed:" text in the normal diff format OSSEC mails show (<c>0a1</c>, <c>&lt; old</c>, <c>---</c>, <c>&gt; new</c>).
/// </summary>
public sealed class DiffStore
{
    public const string TooLarge = "diff not stored: file too large";
    public const string Binary = "Binary file changed; no diff.";
    public const string NoDiffNote = "(diff suppressed: the file matches <nodiff>; its contents are never stored or shown)";
    public const string NoPrevious = "(no previous copy stored; a diff is shown from the next change on)";
    /// <summary>Longest diff text put into an event (the rest is summarised).</summary>
    public const int MaxDiffChars = 256 * 1024;

    private readonly string _root;
    public long SizeLimit { get; }

    public DiffStore(string diffDir, long sizeLimit)
    {
        _root = Path.Combine(diffDir, "local");
        SizeLimit = sizeLimit <= 0 ? 1024 * 1024 : sizeLimit;
    }

    public string CopyPath(string path) => Path.Combine(_root, path.TrimStart('/'), "last-entry.gz");

    public static bool IsBinary(ReadOnlySpan<byte> content)
    {
        var head = content[..Math.Min(content.Length, 8192)];
        if (head.IndexOf((byte)0) >= 0) return true;
        return !System.Text.Unicode.Utf8.IsValid(head.Length < content.Length ? TrimPartialUtf8(head) : head);
    }

    private static ReadOnlySpan<byte> TrimPartialUtf8(ReadOnlySpan<byte> s)
    {
        int i = s.Length;
        for (int k = 0; k < 3 && i > 0 && (s[i - 1] & 0xC0) == 0x80; k++) i--;
        if (i > 0 && (s[i - 1] & 0xC0) == 0xC0) i--;
        return s[..i];
    }

    /// <summary>Stores the current copy (overwriting the previous one atomically).</summary>
    public void Save(string path, ReadOnlySpan<byte> content)
    {
        var bytes = content.ToArray();
        AtomicFile.Write(CopyPath(path), fs =>
        {
            using var gz = new GZipStream(fs, CompressionLevel.Fastest, leaveOpen: true);
            gz.Write(bytes);
        });
    }

    public byte[]? Load(string path)
    {
        var p = CopyPath(path);
        if (!File.Exists(p)) return null;
        try
        {
            using var fs = File.OpenRead(p);
            using var gz = new GZipStream(fs, CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return ms.ToArray();
        }
        catch (InvalidDataException) { return null; }
        catch (IOException) { return null; }
    }

    public void Remove(string path)
    {
        try { File.Delete(CopyPath(path)); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// The text for "What changed:" given the file's new content (null when it was larger than the cap) and updates
    /// the stored copy. Never called for &lt;nodiff&gt; files.
    /// </summary>
    public string Update(string path, byte[]? content, long size)
    {
        if (content is null || size > SizeLimit) { Remove(path); return TooLarge; }
        var old = Load(path);
        string text;
        if (IsBinary(content) || (old is not null && IsBinary(old))) { text = Binary; }
        else if (old is null) text = NoPrevious;
        else text = NormalDiff(Encoding.UTF8.GetString(old), Encoding.UTF8.GetString(content));
        try
        {
            if (IsBinary(content)) Remove(path); else Save(path, content);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            text += $"\n(diff copy not stored: {ex.Message})";
        }
        return text;
    }

    /// <summary>A normal (POSIX <c>diff</c> default) diff computed with DiffPlex.</summary>
    public static string NormalDiff(string oldText, string newText)
    {
        var a = SplitLines(oldText); var b = SplitLines(newText);
        if (a.Length == 0 || b.Length == 0)
        {
            if (a.Length == b.Length) return "";
            var head = a.Length == 0 ? $"0a{(b.Length == 1 ? "1" : $"1,{b.Length}")}" : $"{(a.Length == 1 ? "1" : $"1,{a.Length}")}d0";
            var lines = a.Length == 0 ? b.Select(l => "> " + l) : a.Select(l => "< " + l);
            var all = head + "\n" + string.Join("\n", lines);
            return all.Length > MaxDiffChars ? all[..MaxDiffChars] + "\n(diff truncated: more changes follow)" : all;
        }
        var result = Differ.Instance.CreateDiffs(string.Join("\n", a), string.Join("\n", b), false, false, new DiffPlex.Chunkers.LineChunker());
        var sb = new StringBuilder();
        foreach (DiffBlock blk in result.DiffBlocks)
        {
            int da = blk.DeleteStartA, dc = blk.DeleteCountA, ib = blk.InsertStartB, ic = blk.InsertCountB;
            string Range(int start, int count) => count <= 1 ? (start + 1).ToString() : $"{start + 1},{start + count}";
            if (dc == 0) sb.Append(da).Append('a').Append(Range(ib, ic)).Append('\n');
            else if (ic == 0) sb.Append(Range(da, dc)).Append('d').Append(ib).Append('\n');
            else sb.Append(Range(da, dc)).Append('c').Append(Range(ib, ic)).Append('\n');
            for (int i = 0; i < dc; i++) sb.Append("< ").Append(result.PiecesOld[da + i]).Append('\n');
            if (dc > 0 && ic > 0) sb.Append("---\n");
            for (int i = 0; i < ic; i++) sb.Append("> ").Append(result.PiecesNew[ib + i]).Append('\n');
            if (sb.Length > MaxDiffChars) { sb.Append("(diff truncated: more changes follow)\n"); break; }
        }
        if (a.Length > 0 && b.Length > 0 && oldText.EndsWith('\n') != newText.EndsWith('\n') && sb.Length == 0)
            sb.Append("(only the final newline changed)\n");
        return sb.ToString().TrimEnd('\n');
    }

    private static string[] SplitLines(string s)
    {
        if (s.Length == 0) return Array.Empty<string>();
        var lines = s.Replace("\r\n", "\n").Split('\n');
        return s.EndsWith('\n') ? lines[..^1] : lines;
    }
}
