namespace Hids.Engine.Analysis.Matching;

/// <summary>A compiled pattern the rule engine can test a field against. Implemented by
/// <see cref="OsMatch"/>, <see cref="OsRegex"/> and <see cref="Pcre2Regex"/>.</summary>
public interface IPattern
{
    bool IsMatch(string input);
}

/// <summary>A pattern that does not compile. <see cref="Exception.Message"/> says what is wrong and where
/// (the 0-based offset into the pattern when known).</summary>
public sealed class PatternException : Exception
{
    public string Pattern { get; }
    /// <summary>0-based offset of the offending character in <see cref="Pattern"/>, or -1 when not known.</summary>
    public int Offset { get; }

    public PatternException(string pattern, string message, int offset = -1)
        : base(offset >= 0 ? $"{message} (at offset {offset} in pattern '{Shorten(pattern)}')" : $"{message} (pattern '{Shorten(pattern)}')")
    {
        Pattern = pattern;
        Offset = offset;
    }

    private static string Shorten(string p) => p.Length <= 200 ? p : p[..200] + "...";
}
