using System.Buffers;

namespace Hids.Engine.Analysis.Matching;

/// <summary>
/// OSSEC's os_match (used by &lt;match&gt;, &lt;id&gt;, &lt;user&gt;, &lt;url&gt;, &lt;program_name&gt;, &lt;hostname&gt;,
/// &lt;status&gt;, &lt;extra_data&gt; ...): a case-insensitive (ASCII) substring test. '|' separates alternatives;
/// an alternative starting with '^' must be a prefix, one ending with '$' a suffix, '^...$' the whole input.
/// A backslash is an ordinary character. An empty alternative matches everything.
/// </summary>
public sealed class OsMatch : IPattern
{
    /// <summary>OSSEC's limit on pattern length.</summary>
    public const int MaxPatternLength = 2048;

    private enum Kind : byte { Contains, Prefix, Suffix, Exact }

    private readonly string[] _needles;
    private readonly Kind[] _kinds;
    /// <summary>All 'contains' needles, for one vectorised search (null when there are none).</summary>
    private readonly SearchValues<string>? _contains;
    private readonly string[] _containsNeedles;
    private readonly bool _matchesAll;

    public string Pattern { get; }

    /// <summary>When the pattern is a single '^literal' alternative: that literal (lower-case). Null otherwise.</summary>
    public string? LiteralPrefix { get; }

    /// <summary>A literal that every matching input contains (case-insensitively), when the pattern has a single
    /// alternative; null otherwise. Cheap pre-filter for dispatch.</summary>
    public string? RequiredLiteral { get; }

    private OsMatch(string pattern, string[] needles, Kind[] kinds)
    {
        Pattern = pattern;
        _needles = needles;
        _kinds = kinds;
        var contains = new List<string>();
        for (int i = 0; i < needles.Length; i++)
        {
            if (kinds[i] == Kind.Contains)
            {
                if (needles[i].Length == 0) _matchesAll = true;
                else contains.Add(needles[i]);
            }
            if (kinds[i] == Kind.Prefix && needles[i].Length == 0) _matchesAll = true;
            if (kinds[i] == Kind.Suffix && needles[i].Length == 0) _matchesAll = true;
        }
        _containsNeedles = contains.Distinct().ToArray();
        if (_containsNeedles.Length > 0) _contains = SearchValues.Create(_containsNeedles, StringComparison.OrdinalIgnoreCase);
        if (needles.Length == 1 && needles[0].Length > 0)
        {
            RequiredLiteral = needles[0];
            if (kinds[0] is Kind.Prefix or Kind.Exact) LiteralPrefix = needles[0];
        }
    }

    public static OsMatch Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length > MaxPatternLength)
            throw new PatternException(pattern, $"pattern is longer than {MaxPatternLength} characters ({pattern.Length})");
        int nul = pattern.IndexOf('\0');
        if (nul >= 0) throw new PatternException(pattern, "pattern contains a NUL character", nul);

        var parts = pattern.Split('|');
        var needles = new string[parts.Length];
        var kinds = new Kind[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string p = parts[i];
            bool begin = p.Length > 0 && p[0] == '^';
            if (begin) p = p[1..];
            bool end = p.Length > 0 && p[^1] == '$';
            if (end) p = p[..^1];
            needles[i] = AsciiLower(p);
            kinds[i] = begin ? (end ? Kind.Exact : Kind.Prefix) : (end ? Kind.Suffix : Kind.Contains);
        }
        return new OsMatch(pattern, needles, kinds);
    }

    public bool IsMatch(string input) => IsMatch(input.AsSpan());

    public bool IsMatch(ReadOnlySpan<char> input)
    {
        // OSSEC works on C strings: a NUL ends the input.
        int nul = input.IndexOf('\0');
        if (nul >= 0) input = input[..nul];
        if (_matchesAll) return true;
        for (int i = 0; i < _needles.Length; i++)
        {
            ReadOnlySpan<char> n = _needles[i];
            bool ok = _kinds[i] switch
            {
                Kind.Contains => false,
                Kind.Prefix => input.Length >= n.Length && EqualsAscii(input[..n.Length], n),
                Kind.Suffix => input.Length >= n.Length && EqualsAscii(input[^n.Length..], n),
                _ => input.Length == n.Length && EqualsAscii(input, n),
            };
            if (ok) return true;
        }
        return _contains is not null && ContainsAny(input);
    }

    private bool ContainsAny(ReadOnlySpan<char> input)
    {
        int from = 0;
        while (from < input.Length)
        {
            // OrdinalIgnoreCase finds a superset of ASCII-folded matches; confirm the candidate with ASCII folding.
            int at = input[from..].IndexOfAny(_contains!);
            if (at < 0) return false;
            at += from;
            var rest = input[at..];
            foreach (var n in _containsNeedles)
                if (rest.Length >= n.Length && EqualsAscii(rest[..n.Length], n)) return true;
            from = at + 1;
        }
        return false;
    }

    public override string ToString() => Pattern;

    internal static string AsciiLower(string s)
    {
        bool any = false;
        foreach (char c in s) if (c is >= 'A' and <= 'Z') { any = true; break; }
        if (!any) return s;
        return string.Create(s.Length, s, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = LowerAscii(src[i]);
        });
    }

    internal static char LowerAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;

    /// <summary>Compares input with a lower-case needle, folding only ASCII letters (as OSSEC's charmap).</summary>
    internal static bool EqualsAscii(ReadOnlySpan<char> input, ReadOnlySpan<char> lowerNeedle)
    {
        for (int i = 0; i < lowerNeedle.Length; i++)
            if (LowerAscii(input[i]) != lowerNeedle[i]) return false;
        return true;
    }

}
