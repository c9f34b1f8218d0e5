namespace Hids.Engine.Analysis;

/// <summary>The outcome of pre-decoding: where the message starts and the header fields found.</summary>
public readonly record struct PreDecoded(int LogStart, string? Timestamp, string? Hostname, string? ProgramName)
{
    /// <summary>When &gt; 0 and <see cref="Timestamp"/> is null: the timestamp is the line's first TimestampEnd characters.</summary>
    internal int TimestampEnd { get; init; }
}

/// <summary>
/// Pre-decoding as OSSEC's analysisd does it (cleanevent.c behaviour): recognises the date formats OSSEC accepts at
/// the start of a line (RFC 3164 "Mmm dd hh:mm:ss", with a leading year, ISO 8601 with offset and fractions,
/// "yyyy-mm-dd hh:mm:ss,ms", "yyyy:mm:dd-hh:mm:ss", xferlog, snort, suricata, apache error log, OS X ASL, squid) and,
/// for the syslog family, the hostname and "program[pid]:" that follow. Lines in other shapes (dpkg.log's
/// "2015-01-30 09:19:14 status ...", plain application logs) keep the whole line as the message.
/// </summary>
public static class PreDecoder
{
    public static PreDecoded Decode(string s) => Decode(s, null);

    /// <summary>Decodes; hostnames and program names come from <paramref name="pool"/> (one string per distinct name).</summary>
    internal static PreDecoded Decode(string s, StringPool? pool)
    {
        int len = s.Length;
        int loglen = len + 1; // OSSEC counts the terminating NUL
        char At(int i) => i < len ? s[i] : '\0';
        int log = -1;

        if (loglen > 17 && At(3) == ' ' && At(6) == ' ' && At(9) == ':' && At(12) == ':' && At(15) == ' ') log = 16;
        else if (loglen > 24 && At(4) == '-' && At(7) == '-' && At(10) == ' ' && At(13) == ':' && At(16) == ':' && At(19) == ',') log = 23;
        else if (loglen > 33 && At(4) == '-' && At(7) == '-' && At(10) == 'T' && At(13) == ':' && At(16) == ':')
        {
            if (At(22) == ':' && At(25) == ' ') log = 26;
            else if (At(19) == '.' || At(19) == ',')
            {
                for (int k = 24; k <= 29; k++) if (At(k) == ':') { log = k + 3; break; }
            }
        }
        if (log < 0 && loglen > 21 && char.IsAsciiDigit(At(0)) && At(4) == ' ' && At(8) == ' ' && At(11) == ' ' && At(14) == ':' && At(17) == ':' && At(20) == ' ') log = 21;
        if (log < 0 && loglen > 20 && char.IsAsciiDigit(At(0)) && At(4) == ':' && At(7) == ':' && At(10) == '-' && At(13) == ':' && At(16) == ':') log = 20;

        if (log >= 0)
            return Syslog(s, log, pool);

        // xferlog: Mon Apr 17 18:27:14 2006 1 64.160.42.130
        if (loglen > 28 && At(3) == ' ' && At(7) == ' ' && At(10) == ' ' && At(13) == ':' && At(16) == ':' && At(19) == ' ' && At(24) == ' ' && At(26) == ' ')
            return new PreDecoded(24, s[..24], null, null);
        // snort: 01/28-09:13:16.240702  [**]
        if (loglen > 24 && At(2) == '/' && At(5) == '-' && At(8) == ':' && At(11) == ':' && At(14) == '.' && At(21) == ' ')
            return new PreDecoded(Math.Min(23, len), s[..21], null, null);
        // suricata: 01/28/1979-09:13:16.240702  [**]
        if (loglen > 26 && At(2) == '/' && At(5) == '/' && At(10) == '-' && At(13) == ':' && At(16) == ':' && At(19) == '.' && At(26) == ' ')
            return new PreDecoded(Math.Min(28, len), s[..26], null, null);
        // apache: [Fri Feb 11 18:06:35 2004] [warn]
        if (loglen > 27 && At(0) == '[' && At(4) == ' ' && At(8) == ' ' && At(11) == ' ' && At(14) == ':' && At(17) == ':' && At(20) == ' ' && At(25) == ']')
            return new PreDecoded(Math.Min(27, len), s[..26], null, null);
        // OS X asl: [Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd] [PID 483] [Message ...] ...
        if (loglen > 26 && At(0) == '[' && At(1) == 'T' && At(5) == ' ' && At(10) == '.' && At(13) == '.' && At(16) == ' ' && At(19) == ':')
            return Asl(s);
        // squid: 1140804070.368  11623
        if (loglen > 32 && At(0) == '1' && char.IsAsciiDigit(At(1)) && char.IsAsciiDigit(At(2)) && char.IsAsciiDigit(At(3)) && At(10) == '.'
            && char.IsAsciiDigit(At(13)) && At(14) == ' ' && (At(21) == ' ' || At(22) == ' '))
        {
            int p = 14;
            while (p < len && s[p] == ' ') p++;
            return new PreDecoded(p, s[..14], null, null);
        }
        return new PreDecoded(0, null, null, null);
    }

    /// <summary>OSSEC's hostname character set: letters, digits, '-', '.', '_', '/', '@', '(' and ')'.</summary>
    internal static bool IsValidChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '/' or '@' or '(' or ')';

    private static PreDecoded Syslog(string s, int log, StringPool? pool)
    {
        int len = s.Length;
        char At(int i) => i < len ? s[i] : '\0';
        int tsEnd = Math.Min(log, len);
        while (tsEnd > 0 && char.IsWhiteSpace(s[tsEnd - 1])) tsEnd--;
        // with a pool (the engine) the timestamp stays a range of the line until someone reads it
        string? ts = pool == null ? s[..tsEnd] : null;
        if (pool == null) tsEnd = 0;
        if (log > len) log = len;
        if (At(log) == ' ') log++;
        int hostStart = log;
        int p = log;
        while (p < len && IsValidChar(s[p])) p++;
        string? host = null, prog = null;
        int? msg = null;
        if (At(p) == ':' && At(p + 1) == ' ')
        {
            // Solaris without hostname: "program: msg"
            prog = Take(s, hostStart, p, pool);
            msg = p + 2;
            return new PreDecoded(StripId(s, msg.Value), ts, null, prog) { TimestampEnd = tsEnd };
        }
        if (At(p) != ' ')
            return new PreDecoded(log, ts, null, null) { TimestampEnd = tsEnd };   // invalid hostname: message starts after the date

        host = Take(s, hostStart, p, pool);
        p++;
        log = p;
        int progStart = p;
        while (p < len && IsValidChar(s[p])) p++;
        int progEnd = p;
        int? next = null;
        if (At(p) == ':' && At(p + 1) == ' ') next = p + 2;
        else if (At(p) == '[' && char.IsAsciiDigit(At(p + 1)))
        {
            int q = p + 2;
            while (q < len && char.IsAsciiDigit(s[q])) q++;
            if (At(q) == ']' && At(q + 1) == ':' && At(q + 2) == ' ') next = q + 3;
            else if (At(q) == ']' && At(q + 1) == ' ') next = q + 2;
        }
        else if (At(p) == '|' && char.IsAsciiLetterLower(At(p + 1)))
        {
            // AIX: host auth|security:info prog: msg
            int q = p + 2;
            while (q < len && char.IsAsciiLetterOrDigit(s[q])) q++;
            if (At(q) == ':')
            {
                q++;
                while (q < len && char.IsAsciiLetterOrDigit(s[q])) q++;
                if (At(q) == ' ')
                {
                    q++;
                    progStart = q;
                    while (q < len && IsValidChar(s[q])) q++;
                    progEnd = q;
                    if (At(q) == ':' && At(q + 1) == ' ') next = q + 2;
                    else if (At(q) == '[' && char.IsAsciiDigit(At(q + 1)))
                    {
                        int r = q + 2;
                        while (r < len && char.IsAsciiDigit(s[r])) r++;
                        if (At(r) == ']' && At(r + 1) == ':' && At(r + 2) == ' ') next = r + 3;
                        else return new PreDecoded(log, ts, host, Take(s, progStart, progEnd, pool)) { TimestampEnd = tsEnd };
                    }
                    else return new PreDecoded(log, ts, host, Take(s, progStart, progEnd, pool)) { TimestampEnd = tsEnd };
                }
            }
        }
        if (next == null) return new PreDecoded(log, ts, host, null) { TimestampEnd = tsEnd };
        prog = Take(s, progStart, progEnd, pool);
        return new PreDecoded(StripId(s, next.Value), ts, host, prog) { TimestampEnd = tsEnd };
    }

    private static string Take(string s, int from, int to, StringPool? pool) =>
        pool != null ? pool.Get(s.AsSpan(from, to - from)) : s[from..to];

    // "[ID 123456 auth.info] " after the program name (Solaris)
    private static int StripId(string s, int p)
    {
        if (p > s.Length) return s.Length;
        if (string.CompareOrdinal(s, p, "[ID ", 0, 4) == 0)
        {
            int e = s.IndexOf("] ", p + 4, StringComparison.Ordinal);
            if (e >= 0) return e + 2;
        }
        return p;
    }

    private static PreDecoded Asl(string s)
    {
        // The message is taken from [Message ...]; the other fields from their brackets.
        string? prog = null, host = null;
        int msgStart = Math.Min(25, s.Length);
        int i = s.IndexOf('[', msgStart);
        bool doneMsg = false;
        int logStart = msgStart;
        while (i >= 0 && i + 1 < s.Length)
        {
            int p = i + 1;
            int close = s.IndexOf(']', p);
            if (close < 0) break;
            if (prog == null && string.CompareOrdinal(s, p, "Sender ", 0, 7) == 0) prog = s[(p + 7)..close];
            else if (!doneMsg && string.CompareOrdinal(s, p, "Message ", 0, 8) == 0) { doneMsg = true; logStart = p + 8; }
            else if (string.CompareOrdinal(s, p, "Host ", 0, 5) == 0) { host = s[(p + 5)..close]; break; }
            i = s.IndexOf('[', close);
        }
        return new PreDecoded(logStart, s[1..Math.Min(24, s.Length)], host, prog);
    }

    /// <summary>The message text of a pre-decoded line: OSSEC ends [Message ...] at its ']'.</summary>
    /// <summary>Where the message of a pre-decoded line starts when it runs to the end of the line, or -1 (OS X ASL).</summary>
    internal static int MessageSuffixStart(string s, PreDecoded p)
    {
        if (p.LogStart >= s.Length) return s.Length;
        if (s.Length > 1 && s[0] == '[' && s[1] == 'T' && p.LogStart > 25 && s.IndexOf(']', p.LogStart) >= 0) return -1;
        return p.LogStart;
    }

    internal static string MessageOf(string s, PreDecoded p)
    {
        if (p.LogStart >= s.Length) return "";
        if (s.Length > 1 && s[0] == '[' && s[1] == 'T' && p.LogStart > 25)
        {
            int close = s.IndexOf(']', p.LogStart);
            if (close >= 0) return s[p.LogStart..close];
        }
        return p.LogStart == 0 ? s : s[p.LogStart..];
    }
}

/// <summary>
/// One string per distinct short value (hostnames, program names repeat on almost every line): looked up by span, so a
/// known name costs no allocation. Bounded: hostile input that invents names only resets the pool.
/// </summary>
internal sealed class StringPool
{
    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _max;

    public StringPool(int max = 4096)
    {
        _max = max;
        _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Get(ReadOnlySpan<char> s)
    {
        if (s.Length == 0) return "";
        if (s.Length > 64) return s.ToString();
        if (_lookup.TryGetValue(s, out var v)) return v;
        if (_map.Count >= _max) _map.Clear();
        v = s.ToString();
        _map[v] = v;
        return v;
    }
}
