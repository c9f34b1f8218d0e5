using System.Buffers;

namespace Hids.Engine.Analysis.Matching;

/// <summary>
/// OSSEC's os_regex (used by &lt;regex&gt;, &lt;prematch&gt; and decoder &lt;regex&gt;), reproducing the native
/// OSSEC 3.2 matcher including its quirks: escapes \d \w \s \p \D \W \S \. \t and the literal escapes
/// \( \) \\ \$ \| \&lt;; '+' and '*' quantify only the escape right before them; '|' splits the whole pattern into
/// alternatives, each with its own '^'/'$'; one level of parentheses; ASCII case-insensitive; a match is tried from
/// each start position with OSSEC's limited backtracking (so some greedy combinations fail exactly as they do in
/// OSSEC). Matching runs over the input span without allocating.
/// </summary>
/// <remarks>
/// The pattern is compiled into a small code array per alternative: literal characters (ASCII lower-case),
/// <c>'\\'</c> followed by a class code, <c>'('</c> for every parenthesis (open and close look the same), and a run
/// of NUL sentinels. <see cref="Exec"/> walks that array with a pattern cursor and an input cursor.
/// </remarks>
public sealed class OsRegex : IPattern
{
    /// <summary>OSSEC's limit on pattern length.</summary>
    public const int MaxPatternLength = 2048;

    private const int Nil = int.MinValue;
    private const char Esc = '\\';
    private const char Paren = '(';
    private const int Padding = 12;

    // class codes (value stored after Esc in the code array)
    private const int CDigit = 1, CWord = 2, CSpace = 3, CPunct = 4, COpen = 5, CClose = 6, CBackslash = 7,
        CNotDigit = 8, CNotWord = 9, CNotSpace = 10, CAny = 11, CTab = 12, CDollar = 13, CPipe = 14, CLess = 15;

    private sealed class Alternative
    {
        public required char[] Code;
        public required bool Begin;
        public required bool End;
        /// <summary>For every code position: index of the parenthesis there, or -1.</summary>
        public required int[] ParenIndex;
        public required int ParenCount;
        /// <summary>Longest run of plain literal characters (lower-case); every match contains it. May be empty.</summary>
        public required string Literal;
        /// <summary>For a '^' alternative: the literal characters it starts with (lower-case). May be empty.</summary>
        public required string Prefix;
        /// <summary>The first code character when it is a plain literal and the alternative has no '^' (lower and upper
        /// case), else NUL: start positions where it does not match can be skipped in one search.</summary>
        public char FirstLower, FirstUpper;
        /// <summary>Vectorised search for <see cref="Literal"/> (null when no search is needed).</summary>
        public SearchValues<string>? LiteralSearch;

        /// <summary>Cheap necessary condition: false means this alternative cannot match the input.</summary>
        public bool MayMatch(ReadOnlySpan<char> input)
        {
            if (Prefix.Length > 0 && (input.Length < Prefix.Length || !OsMatch.EqualsAscii(input[..Prefix.Length], Prefix)))
                return false;
            if (LiteralSearch is null) return true;
            int from = 0;
            while (from < input.Length)
            {
                int at = input[from..].IndexOfAny(LiteralSearch);
                if (at < 0) return false;
                at += from;
                if (input.Length - at >= Literal.Length && OsMatch.EqualsAscii(input.Slice(at, Literal.Length), Literal)) return true;
                from = at + 1;
            }
            return false;
        }
    }

    private readonly Alternative[] _alts;
    private readonly bool _hasGroups;
    private readonly int _maxParens;

    public string Pattern { get; }

    /// <summary>True when the pattern has capture groups (OSSEC then also runs its capture bookkeeping).</summary>
    public bool HasGroups => _hasGroups;

    /// <summary>When the pattern is a single '^' alternative that begins with literal characters: those characters
    /// (lower-case; the input must start with them, ASCII case-insensitively). Null otherwise.</summary>
    public string? LiteralPrefix { get; }

    /// <summary>When the pattern has a single alternative: a literal every matching input contains
    /// (ASCII case-insensitively), or null when it has none.</summary>
    public string? RequiredLiteral { get; }

    private OsRegex(string pattern, Alternative[] alts, bool hasGroups)
    {
        Pattern = pattern;
        _alts = alts;
        _hasGroups = hasGroups;
        foreach (var a in alts) _maxParens = Math.Max(_maxParens, a.ParenCount);
        if (alts.Length == 1)
        {
            var a = alts[0];
            if (a.Literal.Length > 0) RequiredLiteral = a.Literal;
            if (a.Prefix.Length > 0) LiteralPrefix = a.Prefix;
        }
    }

    // ------------------------------------------------------------------ compile

    public static OsRegex Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length > MaxPatternLength)
            throw new PatternException(pattern, $"pattern is longer than {MaxPatternLength} characters ({pattern.Length})");

        // Pass 1: validate, translate escapes, lower-case, fold ')' into '(' and find the alternative boundaries.
        var work = new List<char>(pattern.Length);
        var cuts = new List<int>(); // indexes in work where an unescaped '|' stood
        int depth = 0, groups = 0;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\0') throw new PatternException(pattern, "pattern contains a NUL character", i);
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length)
                    throw new PatternException(pattern, "the pattern ends with a lone backslash", i);
                char e = pattern[i + 1];
                int code = e switch
                {
                    'd' => CDigit, 'w' => CWord, 's' => CSpace, 'p' => CPunct, '(' => COpen, ')' => CClose,
                    '\\' => CBackslash, 'D' => CNotDigit, 'W' => CNotWord, 'S' => CNotSpace, '.' => CAny,
                    't' => CTab, '$' => CDollar, '|' => CPipe, '<' => CLess, _ => 0,
                };
                if (code == 0)
                    throw new PatternException(pattern,
                        $"unknown escape '\\{e}' (os_regex knows \\d \\w \\s \\p \\D \\W \\S \\. \\t \\( \\) \\\\ \\$ \\| \\<)", i);
                work.Add(Esc);
                work.Add((char)code);
                i++;
                continue;
            }
            if (c == '(')
            {
                depth++;
                if (depth > 1) throw new PatternException(pattern, "nested parentheses (os_regex allows one level)", i);
                work.Add(Paren);
                continue;
            }
            if (c == ')')
            {
                depth--;
                groups++;
                if (depth < 0) throw new PatternException(pattern, "')' without a matching '('", i);
                work.Add(Paren);
                continue;
            }
            if (c == '|')
            {
                if (depth != 0) throw new PatternException(pattern, "'|' inside parentheses (alternatives must be outside groups)", i);
                cuts.Add(work.Count);
                work.Add('|');
                continue;
            }
            work.Add(OsMatch.LowerAscii(c));
        }
        if (depth != 0) throw new PatternException(pattern, "unclosed '('", pattern.LastIndexOf('('));

        // Pass 2: split into alternatives, take '^' / '$' off each.
        var alts = new List<Alternative>(cuts.Count + 1);
        int start = 0;
        for (int k = 0; k <= cuts.Count; k++)
        {
            int end = k < cuts.Count ? cuts[k] : work.Count;
            int s = start, e = end;
            bool begin = false, fin = false;
            if (s < e && work[s] == '^') { begin = true; s++; }
            if (e > s && work[e - 1] == '$') { fin = true; e--; }
            alts.Add(Build(work, s, e, begin, fin));
            start = end + 1;
        }
        return new OsRegex(pattern, alts.ToArray(), groups > 0);
    }

    private static Alternative Build(List<char> work, int s, int e, bool begin, bool end)
    {
        int n = e - s;
        var code = new char[n + Padding];
        var pidx = new int[n + Padding];
        int parens = 0;
        for (int i = 0; i < n; i++)
        {
            code[i] = work[s + i];
            pidx[i] = -1;
        }
        for (int i = n; i < code.Length; i++) pidx[i] = -1;
        for (int i = 0; i < n; i++)
        {
            if (code[i] == Esc) { i++; continue; }
            if (code[i] == Paren) pidx[i] = parens++;
        }
        // longest run of plain literals (parentheses are transparent to the input)
        string best = "";
        var run = new System.Text.StringBuilder();
        for (int i = 0; i <= n; i++)
        {
            char c = i < n ? code[i] : '\0';
            if (c == Paren) continue;
            if (c == Esc || c == '\0')
            {
                if (run.Length > best.Length) best = run.ToString();
                run.Clear();
                i++; // skip the class code
                if (i + 1 < n && IsQuant(code[i + 1])) i++; // and its quantifier
                continue;
            }
            run.Append(c);
        }
        var prefix = new System.Text.StringBuilder();
        if (begin)
            for (int i = 0; i < n && code[i] != Esc; i++)
                if (code[i] != Paren) prefix.Append(code[i]);
        string pre = prefix.ToString();
        char first = n > 0 ? code[0] : '\0';
        bool plainFirst = !begin && n > 0 && first != Esc && first != Paren;
        var alt = new Alternative
        {
            Code = code, Begin = begin, End = end, ParenIndex = pidx, ParenCount = parens, Literal = best, Prefix = pre,
            FirstLower = plainFirst ? first : '\0',
            FirstUpper = plainFirst ? (first is >= 'a' and <= 'z' ? (char)(first - 32) : first) : '\0',
        };
        // the prefix test already covers a literal that lies within the prefix
        if (best.Length > 0 && !(pre.Length >= best.Length && pre.Contains(best, StringComparison.Ordinal)))
            alt.LiteralSearch = SearchValues.Create(new[] { best }, StringComparison.OrdinalIgnoreCase);
        return alt;
    }

    // ------------------------------------------------------------------ public matching

    public bool IsMatch(string input) => IsMatch(input.AsSpan());

    /// <summary>True when the pattern matches (no capture bookkeeping, as OSSEC's rule &lt;regex&gt;). Allocation-free.</summary>
    public bool IsMatch(ReadOnlySpan<char> input)
    {
        input = CutAtNul(input);
        foreach (var a in _alts)
        {
            if (!a.MayMatch(input)) continue;
            if (Exec(a, input, default, false) != Nil) return true;
        }
        return false;
    }

    /// <summary>
    /// Matches without capture bookkeeping and reports where the match ended, as OSSEC does for a decoder's
    /// &lt;prematch&gt; (compiled without sub-strings): <paramref name="endIndex"/> has the meaning of
    /// <see cref="TryMatch(string, List{string}, out int)"/>'s. Allocation-free.
    /// </summary>
    public bool TryMatch(ReadOnlySpan<char> input, out int endIndex)
    {
        input = CutAtNul(input);
        foreach (var a in _alts)
        {
            if (!a.MayMatch(input)) continue;
            int r = Exec(a, input, default, false);
            if (r != Nil) { endIndex = r + 1; return true; }
        }
        endIndex = -1;
        return false;
    }

    /// <summary>IsMatch without the literal pre-filter (tests check that the pre-filter never changes a result).</summary>
    internal bool IsMatchUnfiltered(ReadOnlySpan<char> input)
    {
        input = CutAtNul(input);
        foreach (var a in _alts)
            if (Exec(a, input, default, false) != Nil) return true;
        return false;
    }

    /// <summary>
    /// Matches with capture bookkeeping (as OSSEC's decoder &lt;regex&gt;): <paramref name="captures"/> is cleared and
    /// receives the groups of the alternative that matched (empty groups at the end are not reported, as in OSSEC
    /// 3.2.0's results). <paramref name="endIndex"/> is the index just after the last character OSSEC reports as
    /// matched: OSSEC returns a pointer to that character (<c>input[(endIndex-1)..]</c>; when a leading '*' item
    /// matched nothing OSSEC points before the input and <paramref name="endIndex"/> is 0). OSSEC's decoders continue
    /// an offset="after_prematch"/"after_parent"/"after_regex" match at the character after it: <c>input[endIndex..]</c>.
    /// </summary>
    public bool TryMatch(string input, List<string> captures, out int endIndex)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TryMatch(input.AsSpan(), captures, out endIndex);
    }

    /// <summary><see cref="TryMatch(string, List{string}, out int)"/> on a span (no copy of a suffix of a line).</summary>
    public bool TryMatch(ReadOnlySpan<char> input, List<string> captures, out int endIndex)
    {
        ArgumentNullException.ThrowIfNull(captures);
        captures.Clear();
        endIndex = -1;
        var s = CutAtNul(input);
        Span<int> marks = stackalloc int[_maxParens + 1];
        foreach (var a in _alts)
        {
            if (!a.MayMatch(s)) continue;
            Span<int> m = marks[..(a.ParenCount + 1)];
            m.Fill(Nil);
            int r = Exec(a, s, m, _hasGroups);
            if (r == Nil) continue;
            if (_hasGroups)
            {
                // pairs of marks (open, close) while both are set, as OSSEC collects them
                for (int j = 0; j + 1 < m.Length && m[j] != Nil && m[j + 1] != Nil; j += 2)
                {
                    int from = m[j], len = m[j + 1] - m[j];
                    if (len < 0)
                    {
                        // OSSEC's size computation wraps and its allocation fails: the match is dropped.
                        captures.Clear();
                        endIndex = -1;
                        return false;
                    }
                    from = Math.Min(from, s.Length);
                    len = Math.Min(len, s.Length - from);
                    captures.Add(s.Slice(from, len).ToString());
                }
                // Empty groups at the end are not reported (as the OSSEC 3.2.0 oracle shows).
                while (captures.Count > 0 && captures[^1].Length == 0) captures.RemoveAt(captures.Count - 1);
            }
            endIndex = r + 1;
            return true;
        }
        return false;
    }

    public override string ToString() => Pattern;

    private static ReadOnlySpan<char> CutAtNul(ReadOnlySpan<char> s)
    {
        int nul = s.IndexOf('\0');
        return nul >= 0 ? s[..nul] : s;
    }

    // ------------------------------------------------------------------ the matcher

    private static readonly ulong[] s_classLo = BuildClasses(0);
    private static readonly ulong[] s_classHi = BuildClasses(64);

    private static ulong[] BuildClasses(int offset)
    {
        var t = new ulong[16];
        for (int code = 1; code <= 15; code++)
        for (int b = 0; b < 64; b++)
        {
            char c = (char)(b + offset);
            bool m = code switch
            {
                CDigit => c is >= '0' and <= '9',
                CWord => IsWord(c),
                CSpace => c == ' ',
                CPunct => "!\"#$%&'()*+,-.:;<=>?[]{|}".Contains(c) && c != '\0',
                COpen => c == '(',
                CClose => c == ')',
                CBackslash => c == '\\',
                CNotDigit => c is not (>= '0' and <= '9'),
                CNotWord => !IsWord(c),
                CNotSpace => c != ' ',
                CAny => true,
                CTab => c == '\t',
                CDollar => c == '$',
                CPipe => c == '|',
                CLess => c == '<',
                _ => false,
            };
            if (m) t[code] |= 1UL << b;
        }
        return t;

        static bool IsWord(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '@' or '-';
    }

    /// <summary>Is input character <paramref name="c"/> (NUL = end of input) in class <paramref name="code"/>?</summary>
    private static bool InClass(int code, char c)
    {
        if (c < 64) return (s_classLo[code] >> c & 1) != 0;
        if (c < 128) return (s_classHi[code] >> (c - 64) & 1) != 0;
        // Outside ASCII OSSEC sees bytes >= 0x80: only the negated classes and '\.' take them.
        return code is CNotDigit or CNotWord or CNotSpace or CAny;
    }

    private static bool IsQuant(char c) => c is '+' or '*';

    /// <summary>Tests switch the start-position skipping off to check it never changes a result.</summary>
    [ThreadStatic] internal static bool s_noSkip;

    /// <summary>
    /// One alternative against the input, following OSSEC's native algorithm step by step (its cursor moves,
    /// four saved retry points, restart positions and end-of-input rules), so that results, reported end of match
    /// and captures agree with OSSEC, including its known oddities. Returns the index OSSEC reports as the last
    /// matched character (may be -1), or <see cref="Nil"/> for no match.
    /// </summary>
    private static int Exec(Alternative a, ReadOnlySpan<char> s, Span<int> marks, bool capture)
    {
        char[] p = a.Code;
        int[] pix = a.ParenIndex;
        int len = s.Length;
        int st = 0, stRestart = Nil, rc = Nil, pt = 0;
        bool repeating = false;
        int e0 = Nil, e1 = Nil, e2 = Nil, e3 = Nil;
        int es0 = 0, es1 = 0, es2 = 0, es3 = 0;

        while (true)
        {
            // At the pattern's start with no saved state, a first literal that does not match only moves on by one
            // character (OSSEC's failure path changes nothing else): jump to the next place it matches.
            if (pt == 0 && a.FirstLower != '\0' && stRestart == Nil && e0 == Nil && e1 == Nil && e2 == Nil && e3 == Nil
                && st >= 0 && st < len && OsMatch.LowerAscii(s[st]) != a.FirstLower && !s_noSkip)
            {
                int j = a.FirstLower == a.FirstUpper ? s[st..].IndexOf(a.FirstLower) : s[st..].IndexOfAny(a.FirstLower, a.FirstUpper);
                rc = Nil;
                if (j < 0) { st = len; break; }
                st += j;
            }
            char cur = At(s, st);
            char pc = p[pt];
            if (pc == '\0')
            {
                if (!a.End || cur == '\0') return rc;
            }
            else if (pc == Paren)
            {
                if (capture) marks[pix[pt]] = st;
                pt++;
                if (p[pt] == '\0' && (!a.End || cur == '\0')) return rc;
            }

            if (p[pt] == Esc)
            {
                if (InClass(p[pt + 1], cur))
                {
                    int np = pt + 2;
                    if (!IsQuant(p[np]))
                    {
                        pt = np;
                        if (stRestart == Nil) stRestart = st;
                        rc = st;
                        goto next;
                    }
                    if (p[np] == '*') repeating = true;

                    if (repeating)
                    {
                        np++;
                        int advance = -1;
                        if (p[np] == Paren) np++;
                        char q = p[np];
                        if (q == '\0') advance = 1;
                        else if (q == Esc)
                        {
                            if (InClass(p[np + 1], cur)) advance = IsQuant(p[np + 2]) ? 0 : 2;
                        }
                        else if (q == OsMatch.LowerAscii(cur))
                        {
                            repeating = false;
                            advance = 1;
                        }

                        if (advance >= 0)
                        {
                            if (capture && p[np - 1] == Paren)
                                marks[pix[np - 1]] = At(s, st + 1) == '\0' ? st + 1 : st;
                            if (q == '\0') goto next; // the end of the pattern: keep the last reported position
                            np += advance;
                            if (e0 == Nil) { e0 = pt; es0 = st; }
                            else if (e1 == Nil) { e1 = pt; es1 = st; }
                            else if (e2 == Nil) { e2 = pt; es2 = st; }
                            else if (e3 == Nil) { e3 = pt; es3 = st; }
                            pt = np;
                        }
                    }
                    else
                    {
                        np++;
                        if (capture && p[np] == Paren)
                            marks[pix[np]] = At(s, st + 1) == '\0' ? st + 1 : st;
                        repeating = true;
                    }
                    rc = st;
                    goto next;
                }
                else if (p[pt + 3] == '\0' && repeating && rc != Nil)
                {
                    rc = st;
                    if (!a.End || cur == '\0') return rc;
                }
                else if (p[pt + 2] == '+' && repeating)
                {
                    pt += 3;
                    st--;
                    repeating = false;
                    goto next;
                }
                else if (p[pt + 2] == '*')
                {
                    pt += 3;
                    st--;
                    rc = st;
                    repeating = false;
                    goto next;
                }
                repeating = false;
            }
            else if (p[pt] == OsMatch.LowerAscii(cur))
            {
                pt++;
                if (stRestart == Nil) stRestart = st;
                rc = st;
                goto next;
            }

            // failure here: go back to the most recent retry point, or restart the pattern further on
            if (e3 != Nil) { pt = e3; st = es3; e3 = Nil; goto next; }
            if (e2 != Nil) { pt = e2; st = es2; e2 = Nil; goto next; }
            if (e1 != Nil) { pt = e1; st = es1; e1 = Nil; goto next; }
            if (e0 != Nil) { pt = e0; st = es0; e0 = Nil; goto next; }
            if (a.Begin) return Nil;
            if (stRestart != Nil) { st = stRestart; stRestart = Nil; }
            pt = 0;
            rc = Nil;

        next:
            st++;
            if (At(s, st) == '\0') break;
        }

        // input exhausted: a group closing right here (after optional '*' items) is closed at the end
        if (capture)
        {
            while (p[pt] != Paren && p[pt] != '\0')
            {
                if (p[pt] == Esc && p[pt + 2] == '*') pt += 3;
                else break;
            }
            if (p[pt] == Paren) marks[pix[pt]] = st;
        }

        // what is left of the pattern may only be a '+' item already being repeated and/or '*' items
        if (AtEnd(p, ref pt)) return rc;
        if (p[pt] == Esc && repeating)
        {
            pt += 2;
            if (IsQuant(p[pt]))
            {
                pt++;
                if (AtEnd(p, ref pt)) return rc;
                if (p[pt] == Esc)
                {
                    pt += 2;
                    if (p[pt] == '*')
                    {
                        pt++;
                        if (AtEnd(p, ref pt)) return rc;
                    }
                }
            }
        }
        if (p[pt] == Esc)
        {
            pt += 2;
            if (p[pt] == '*')
            {
                pt++;
                if (AtEnd(p, ref pt)) return rc;
            }
        }
        return Nil;
    }

    /// <summary>Steps over one parenthesis, then tells whether the pattern ends there.</summary>
    private static bool AtEnd(char[] p, ref int pt)
    {
        if (p[pt] == Paren) pt++;
        return p[pt] == '\0';
    }

    private static char At(ReadOnlySpan<char> s, int i) => (uint)i < (uint)s.Length ? s[i] : '\0';
}
