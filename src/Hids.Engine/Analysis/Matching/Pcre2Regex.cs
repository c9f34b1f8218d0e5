using System.Text;

namespace Hids.Engine.Analysis.Matching;

/// <summary>
/// A PCRE2 pattern (OSSEC &gt;= 3.4's &lt;pcre2&gt;, &lt;prematch_pcre2&gt;, &lt;*_pcre2&gt; elements), compiled by the
/// system libpcre2-8 in UTF mode, JIT-compiled when the library supports it. Matching is bounded: a pattern that
/// would backtrack catastrophically hits the match/depth/heap limits and reports "no match" (counted in
/// <see cref="LimitHits"/>) instead of stalling. Thread-safe: match data is kept per thread; the subject is
/// converted to UTF-8 in a per-thread buffer, so matching does not allocate.
/// </summary>
public sealed unsafe class Pcre2Regex : IPattern, IDisposable
{
    /// <summary>Backtracking budget per match (PCRE2 match limit).</summary>
    public const uint MatchLimit = 1_000_000;
    /// <summary>Backtracking depth budget per match (interpreter only).</summary>
    public const uint DepthLimit = 10_000;
    /// <summary>Heap budget per match, KiB (interpreter only).</summary>
    public const uint HeapLimitKiB = 20_000;

    private static long s_totalLimitHits;

    private IntPtr _code;
    private IntPtr _matchContext;
    private readonly int _pairs;
    private long _limitHits;

    [ThreadStatic] private static byte[]? t_buffer;
    [ThreadStatic] private static IntPtr t_matchData;
    [ThreadStatic] private static int t_matchDataPairs;

    public string Pattern { get; }
    public bool Caseless { get; }
    /// <summary>True when the pattern was JIT-compiled.</summary>
    public bool IsJitCompiled { get; }
    /// <summary>Number of capture groups in the pattern.</summary>
    public int CaptureCount { get; }
    /// <summary>How many matches of this pattern stopped at a resource limit (and were reported as no match).</summary>
    public long LimitHits => Interlocked.Read(ref _limitHits);
    /// <summary>Limit hits over all PCRE2 patterns of the process.</summary>
    public static long TotalLimitHits => Interlocked.Read(ref s_totalLimitHits);

    private Pcre2Regex(string pattern, bool caseless, IntPtr code, IntPtr ctx, bool jit, int captures)
    {
        Pattern = pattern;
        Caseless = caseless;
        _code = code;
        _matchContext = ctx;
        IsJitCompiled = jit;
        CaptureCount = captures;
        _pairs = captures + 1;
    }

    public static Pcre2Regex Compile(string pattern, bool caseless = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        byte[] utf8 = Encoding.UTF8.GetBytes(pattern);
        // No PCRE2_MATCH_INVALID_UTF: with JIT in libpcre2 10.42 it misses matches after multi-byte characters
        // (user=(\S+) (é+) fails on "user=bøb ééé"). Subjects are always valid UTF-8 here (see Run), so it is not needed.
        uint options = Pcre2Native.PCRE2_UTF | (caseless ? Pcre2Native.PCRE2_CASELESS : 0);
        IntPtr code;
        int err;
        nuint errOffset;
        fixed (byte* p = utf8)
        {
            byte dummy = 0;
            code = Pcre2Native.Compile(p == null ? &dummy : p, (nuint)utf8.Length, options, out err, out errOffset, IntPtr.Zero);
        }
        if (code == IntPtr.Zero)
        {
            int charOffset = Encoding.UTF8.GetCharCount(utf8, 0, (int)Math.Min((ulong)utf8.Length, (ulong)errOffset));
            throw new PatternException(pattern, $"PCRE2: {Pcre2Native.ErrorMessage(err)}", charOffset);
        }
        bool jit = Pcre2Native.JitCompile(code, Pcre2Native.PCRE2_JIT_COMPLETE) == 0;
        uint captures = 0;
        Pcre2Native.PatternInfo(code, Pcre2Native.PCRE2_INFO_CAPTURECOUNT, &captures);
        IntPtr ctx = Pcre2Native.MatchContextCreate(IntPtr.Zero);
        if (ctx == IntPtr.Zero)
        {
            Pcre2Native.CodeFree(code);
            throw new OutOfMemoryException("PCRE2 match context");
        }
        Pcre2Native.SetMatchLimit(ctx, MatchLimit);
        Pcre2Native.SetDepthLimit(ctx, DepthLimit);
        Pcre2Native.SetHeapLimit(ctx, HeapLimitKiB);
        return new Pcre2Regex(pattern, caseless, code, ctx, jit, (int)captures);
    }

    public bool IsMatch(string input) => IsMatch(input.AsSpan());

    public bool IsMatch(ReadOnlySpan<char> input) => Run(input, out _, out _) > 0;

    /// <summary>Matches and returns the capture groups (an unset group gives ""). <paramref name="endIndex"/> is the
    /// index just after the whole match.</summary>
    public bool TryMatch(string input, List<string> captures, out int endIndex)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(captures);
        captures.Clear();
        endIndex = -1;
        int rc = Run(input, out byte[] buf, out int byteLen);
        if (rc <= 0) return false;
        nuint* ov = Pcre2Native.GetOvectorPointer(t_matchData);
        bool ascii = byteLen == input.Length;
        for (int g = 1; g < _pairs; g++)
        {
            nuint s = ov[2 * g], e = ov[2 * g + 1];
            if (g >= rc || s == nuint.MaxValue || e < s) { captures.Add(""); continue; }
            captures.Add(Encoding.UTF8.GetString(buf, (int)s, (int)(e - s)));
        }
        int endByte = (int)ov[1];
        endIndex = ascii ? endByte : Encoding.UTF8.GetCharCount(buf, 0, endByte);
        return true;
    }

    /// <summary>Runs the match; returns PCRE2's result (&gt; 0 match, 0 ovector too small, &lt; 0 no match or error).</summary>
    private int Run(ReadOnlySpan<char> input, out byte[] buffer, out int byteLen)
    {
        ObjectDisposedException.ThrowIf(_code == IntPtr.Zero, this);
        int max = Encoding.UTF8.GetMaxByteCount(input.Length);
        buffer = t_buffer ??= new byte[Math.Max(1024, max)];
        if (buffer.Length < max)
        {
            // keep the largest buffer per thread; very long lines grow it once
            buffer = t_buffer = new byte[Math.Max(max, buffer.Length * 2)];
        }
        // .NET strings become valid UTF-8 (lone surrogates turn into U+FFFD), so no UTF check is needed.
        byteLen = Encoding.UTF8.GetBytes(input, buffer);
        IntPtr md = MatchDataFor(_pairs);
        int rc;
        fixed (byte* p = buffer)
        {
            rc = Pcre2Native.Match(_code, p, (nuint)byteLen, 0, Pcre2Native.PCRE2_NO_UTF_CHECK, md, _matchContext);
            if (rc == Pcre2Native.PCRE2_ERROR_JIT_STACKLIMIT)
                rc = Pcre2Native.Match(_code, p, (nuint)byteLen, 0, Pcre2Native.PCRE2_NO_UTF_CHECK | Pcre2Native.PCRE2_NO_JIT, md, _matchContext);
        }
        if (rc is Pcre2Native.PCRE2_ERROR_MATCHLIMIT or Pcre2Native.PCRE2_ERROR_DEPTHLIMIT
            or Pcre2Native.PCRE2_ERROR_HEAPLIMIT or Pcre2Native.PCRE2_ERROR_JIT_STACKLIMIT)
        {
            Interlocked.Increment(ref _limitHits);
            Interlocked.Increment(ref s_totalLimitHits);
        }
        return rc;
    }

    private static IntPtr MatchDataFor(int pairs)
    {
        if (t_matchData != IntPtr.Zero && t_matchDataPairs >= pairs) return t_matchData;
        if (t_matchData != IntPtr.Zero) Pcre2Native.MatchDataFree(t_matchData);
        int n = Math.Max(pairs, 16);
        t_matchData = Pcre2Native.MatchDataCreate((uint)n, IntPtr.Zero);
        if (t_matchData == IntPtr.Zero) throw new OutOfMemoryException("PCRE2 match data");
        t_matchDataPairs = n;
        return t_matchData;
    }

    public override string ToString() => Pattern;

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~Pcre2Regex() => Free();

    private void Free()
    {
        IntPtr code = Interlocked.Exchange(ref _code, IntPtr.Zero);
        if (code != IntPtr.Zero) Pcre2Native.CodeFree(code);
        IntPtr ctx = Interlocked.Exchange(ref _matchContext, IntPtr.Zero);
        if (ctx != IntPtr.Zero) Pcre2Native.MatchContextFree(ctx);
    }
}
