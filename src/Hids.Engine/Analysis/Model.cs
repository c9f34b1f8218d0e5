using Hids.Engine.Analysis.Matching;
using Hids.Engine.Xml;

namespace Hids.Engine.Analysis;

/// <summary>OSSEC's event categories: a decoder's &lt;type&gt; and a rule's &lt;category&gt;.</summary>
public enum EventCategory { Syslog, Firewall, Ids, WebLog, Squid, Windows, HostInformation, Ossec }

/// <summary>Which text a pattern is matched against.</summary>
internal enum PatternKind : byte { OsMatch, OsRegex, Pcre2 }

/// <summary>A compiled pattern in one of the three dialects, used the same way by decoders and rules.</summary>
internal sealed class Pat
{
    private readonly OsMatch? _m;
    private readonly OsRegex? _r;
    private readonly Pcre2Regex? _p;
    public string Source { get; }
    public PatternKind Kind { get; }
    /// <summary>Matches everything (an empty OSSEC program_name).</summary>
    public bool MatchesAll { get; }

    private Pat(string source, PatternKind kind, OsMatch? m, OsRegex? r, Pcre2Regex? p)
    { Source = source; Kind = kind; _m = m; _r = r; _p = p; MatchesAll = kind == PatternKind.OsMatch && source.Length == 0; }

    /// <summary>Compiles; throws <see cref="PatternException"/> when the pattern is invalid. PCRE2 patterns are caseless,
    /// as OSSEC compiles them (its rules write "invalid user" for "Invalid user").</summary>
    public static Pat Compile(string source, PatternKind kind, bool caseless = true) => kind switch
    {
        PatternKind.OsMatch => new Pat(source, kind, OsMatch.Compile(source), null, null),
        PatternKind.OsRegex => new Pat(source, kind, null, OsRegex.Compile(source), null),
        _ => new Pat(source, kind, null, null, Pcre2Regex.Compile(source, caseless)),
    };

    public bool IsMatch(ReadOnlySpan<char> s)
    {
        if (MatchesAll) return true;
        if (_m != null) return _m.IsMatch(s);
        if (_r != null) return _r.IsMatch(s);
        return _p!.IsMatch(s);
    }

    public bool IsMatch(string s) => IsMatch(s.AsSpan());

    /// <summary>Matches with captures; <paramref name="after"/> is the index just after the match (OSSEC's "next character").</summary>
    public bool TryMatch(string s, List<string> captures, out int after)
    {
        captures.Clear();
        if (_r != null)
        {
            if (!_r.TryMatch(s, captures, out int end)) { after = -1; return false; }
            after = Math.Clamp(end, 0, s.Length);
            return true;
        }
        if (_p != null)
        {
            if (!_p.TryMatch(s, captures, out int end)) { after = -1; return false; }
            // Groups of alternatives that did not take part are left out, as OSSEC's PCRE2 decoder collects them.
            if (_p.CaptureCount > 1 && s.Length > 0 && _p.Pattern.Contains('|')) captures.RemoveAll(c => c.Length == 0);
            after = Math.Clamp(end, 0, s.Length);
            return true;
        }
        after = s.Length;
        return IsMatch(s);
    }

    /// <summary>
    /// Tests <paramref name="s"/> from <paramref name="start"/> and reports the end of the match relative to
    /// <paramref name="start"/>, as a decoder's &lt;prematch&gt; (no sub-strings). Allocation-free except for PCRE2
    /// patterns, whose end is only taken when the allocation-free test matched.
    /// </summary>
    public bool TryMatchEnd(string s, int start, List<string> scratch, out int after)
    {
        var span = s.AsSpan(start);
        if (_r != null)
        {
            if (!_r.TryMatch(span, out int end)) { after = -1; return false; }
            after = Math.Clamp(end, 0, span.Length);
            return true;
        }
        if (_p != null)
        {
            if (!_p.IsMatch(span)) { after = -1; return false; }
            return TryMatch(start == 0 ? s : s[start..], scratch, out after);
        }
        after = span.Length;
        return IsMatch(span);
    }

    /// <summary><see cref="TryMatch(string, List{string}, out int)"/> on <c>s[start..]</c> without copying it for the
    /// OSSEC dialects; <paramref name="after"/> is relative to <paramref name="start"/>.</summary>
    public bool TryMatch(string s, int start, List<string> captures, out int after)
    {
        if (start == 0 || _p != null) return TryMatch(start == 0 ? s : s[start..], captures, out after);
        captures.Clear();
        var span = s.AsSpan(start);
        if (_r != null)
        {
            if (!_r.TryMatch(span, captures, out int end)) { after = -1; return false; }
            after = Math.Clamp(end, 0, span.Length);
            return true;
        }
        after = span.Length;
        return IsMatch(span);
    }

    /// <summary>A literal every match starts with (for dispatch), or null.</summary>
    public string? LiteralPrefix => _m?.LiteralPrefix ?? _r?.LiteralPrefix;

    public override string ToString() => Source;
}

/// <summary>Decoder field a capture is written to (OSSEC's &lt;order&gt; names).</summary>
internal enum DecoderField : byte { None, SrcUser, DstUser, SrcIp, DstIp, SrcPort, DstPort, Protocol, Action, Id, Url, Data, Status, SystemName }

internal enum RegexOffset : byte { None, AfterParent, AfterPrematch, AfterRegex }

/// <summary>FTS / ignore field masks (OSSEC's FTS_* bits).</summary>
[Flags]
internal enum FtsFields
{
    None = 0, Name = 1, SrcUser = 2, DstUser = 4, SrcIp = 8, DstIp = 16, Id = 32, Location = 64, Data = 128, SystemName = 256,
}

/// <summary>One compiled &lt;decoder&gt;.</summary>
public sealed class DecoderDefinition
{
    /// <summary>The name the event reports (the parent's name for children without use_own_name).</summary>
    public string Name { get; internal set; } = "";
    /// <summary>The name written in the decoder's own name attribute.</summary>
    public string OwnName { get; internal set; } = "";
    public string? Parent { get; internal set; }
    public string File { get; internal set; } = "";
    public int Line { get; internal set; }
    public EventCategory Type { get; internal set; } = EventCategory.Syslog;
    public string? PluginDecoder { get; internal set; }
    public bool UseOwnName { get; internal set; }
    public bool Accumulate { get; internal set; }
    public string[] Order { get; internal set; } = Array.Empty<string>();
    public string[] Fts { get; internal set; } = Array.Empty<string>();
    public string? ProgramNamePattern => ProgramName?.Source;
    public string? PrematchPattern => Prematch?.Source;
    public string? RegexPattern => Regex?.Source;

    internal Pat? ProgramName;
    internal Pat? Prematch;
    internal Pat? Regex;
    internal bool PrematchAfterParent;
    internal RegexOffset RegexOffset;
    internal DecoderField[] Fields = Array.Empty<DecoderField>();
    internal FtsFields FtsMask;
    internal bool GetNext;
    internal readonly List<DecoderDefinition> Children = new();

    public override string ToString() => OwnName == Name ? Name : $"{OwnName} ({Name})";
}

/// <summary>What a rule condition reads from the event.</summary>
internal enum RuleField : byte { Log, ProgramName, Hostname, Id, User, Url, Status, ExtraData, SrcPort, DstPort, Location, Action, SystemName, Protocol, DstUser, SrcUser }

internal readonly record struct RuleCondition(RuleField Field, Pat Pattern, bool Negate);

/// <summary>An IP or network in &lt;srcip&gt;/&lt;dstip&gt; (with '!' negation).</summary>
internal sealed class IpMatcher
{
    public required string Source { get; init; }
    public required bool Negate { get; init; }
    public required byte[] Network { get; init; }
    public required int PrefixBits { get; init; }

    public static bool TryParse(string text, out IpMatcher? m)
    {
        m = null;
        var t = text.Trim();
        bool neg = t.StartsWith('!');
        if (neg) t = t[1..].Trim();
        int bits = -1;
        int slash = t.IndexOf('/');
        string addr = t;
        if (slash >= 0)
        {
            addr = t[..slash];
            var mask = t[(slash + 1)..];
            if (int.TryParse(mask, out int b)) bits = b;
            else if (System.Net.IPAddress.TryParse(mask, out var mip))
            {
                bits = 0;
                foreach (var by in mip.GetAddressBytes()) bits += System.Numerics.BitOperations.PopCount(by);
            }
            else return false;
        }
        if (!System.Net.IPAddress.TryParse(addr, out var ip)) return false;
        var bytes = ip.GetAddressBytes();
        if (bits < 0) bits = bytes.Length * 8;
        if (bits > bytes.Length * 8) return false;
        m = new IpMatcher { Source = text.Trim(), Negate = neg, Network = bytes, PrefixBits = bits };
        return true;
    }

    public bool Contains(string ipText)
    {
        if (!System.Net.IPAddress.TryParse(ipText.Trim(), out var ip)) return false;
        var b = ip.GetAddressBytes();
        if (b.Length != Network.Length)
        {
            if (ip.IsIPv4MappedToIPv6 && Network.Length == 4) b = ip.MapToIPv4().GetAddressBytes();
            else return false;
        }
        int full = PrefixBits / 8, rem = PrefixBits % 8;
        for (int i = 0; i < full; i++) if (b[i] != Network[i]) return false;
        if (rem > 0)
        {
            int mask = 0xFF << (8 - rem) & 0xFF;
            if ((b[full] & mask) != (Network[full] & mask)) return false;
        }
        return true;
    }

    /// <summary>OSSEC's OS_IPFoundList: the first entry containing the address decides (a '!' entry rejects);
    /// when none contains it, the answer is the opposite of the last entry's sense.</summary>
    public static bool FoundInList(IpMatcher[] list, string ip)
    {
        bool sense = true;
        foreach (var m in list)
        {
            sense = !m.Negate;
            if (m.Contains(ip)) return sense;
        }
        return !sense;
    }
}

[Flags]
internal enum ContextOptions
{
    None = 0, SameSrcIp = 1, SameSrcPort = 2, SameDstPort = 4, SameUser = 8, SameLocation = 16, SameId = 32,
    DifferentUrl = 64, DifferentSrcIp = 128, NotSameSrcIp = 256, NotSameUser = 512, NotSameId = 1024, NotSameAgent = 2048,
    SameDstIp = 4096, SameAgent = 8192,
}

/// <summary>One compiled &lt;rule&gt; and its place in the rule tree.</summary>
public sealed class RuleDefinition
{
    public int Id { get; internal set; }
    public int Level { get; internal set; }
    public string Description { get; internal set; } = "";
    /// <summary>Groups, in order: the enclosing &lt;group name&gt; entries, then the rule's own &lt;group&gt; entries.</summary>
    public string[] Groups { get; internal set; } = Array.Empty<string>();
    /// <summary>The raw group string as OSSEC keeps it ("syslog,sshd,authentication_failed,").</summary>
    public string GroupText { get; internal set; } = "";
    public string File { get; internal set; } = "";
    public int Line { get; internal set; }
    public EventCategory Category { get; internal set; } = EventCategory.Syslog;
    public string? IfSid { get; internal set; }
    public string? IfGroup { get; internal set; }
    public string? IfLevel { get; internal set; }
    public int IfMatchedSid { get; internal set; }
    public string? IfMatchedGroup { get; internal set; }
    public string? IfMatchedRegex { get; internal set; }
    public int Frequency { get; internal set; }
    public int Timeframe { get; internal set; }
    public string? DecodedAs { get; internal set; }
    public bool NoAlert { get; internal set; }
    public int IgnoreSeconds { get; internal set; }
    public int MaxSize { get; internal set; }
    public bool CheckDiff { get; internal set; }
    public bool IfFts { get; internal set; }
    public bool NoEmail { get; internal set; }
    public bool AlertByEmail { get; internal set; }
    public bool NoLog { get; internal set; }
    public bool NoActiveResponse { get; internal set; }
    public string[] Info { get; internal set; } = Array.Empty<string>();
    public string? CompiledRule { get; internal set; }
    /// <summary>True when a later &lt;rule overwrite="yes"&gt; replaced this rule's definition.</summary>
    public bool Overwritten { get; internal set; }
    /// <summary>Ids of the rules this one is a child of.</summary>
    public int[] ParentIds => Parents.Select(p => p.Id).ToArray();

    /// <summary>The XML element this rule was read from (its current definition) and the group it sits in.</summary>
    internal XNode2 Node = null!;
    internal string EnclosingGroupName = "";

    internal int Index;
    internal int SortLevel;     // OSSEC: level*100, level 0 counted as 99*100 (tried first)
    internal readonly List<RuleCondition> Conditions = new();
    internal IpMatcher[]? SrcIp;
    internal IpMatcher[]? DstIp;
    internal string? ActionEquals;
    internal ContextOptions Context;
    internal bool IsContext;           // if_matched_sid / if_matched_group / if_matched_regex
    internal Pat? IfMatchedGroupPat;
    internal Pat? IfMatchedRegexPat;
    internal FtsFields IgnoreMask;
    internal FtsFields CheckIgnoreMask;
    internal (int From, int To)[]? TimeRanges;   // minutes of the day; To may be < From (overnight)
    internal bool TimeNegate;
    internal int WeekdayMask;          // bit per DayOfWeek
    internal readonly List<RuleDefinition> Children = new();
    internal readonly List<RuleDefinition> Parents = new();
    /// <summary>Children by decoder name (only those that can match that decoder), built after loading.</summary>
    internal Dictionary<string, RuleDefinition[]>? ChildrenByDecoder;
    internal RuleDefinition[] ChildrenNoDecoder = Array.Empty<RuleDefinition>();
    internal RuleDefinition[] ChildrenArray = Array.Empty<RuleDefinition>();
    internal bool IsSidTarget;         // some rule has if_matched_sid = this id
    internal List<RuleDefinition>? GroupSearchers; // rules with if_matched_group matching this rule's groups

    public override string ToString() => $"{Id} (level {Level}): {Description}";
}

/// <summary>A loaded ruleset: decoders (two lists, as OSSEC: with and without program_name) and the rule tree.</summary>
public sealed class Ruleset
{
    internal readonly List<DecoderDefinition> DecodersWithProgramName = new();
    internal readonly List<DecoderDefinition> DecodersWithoutProgramName = new();
    internal readonly List<DecoderDefinition> AllDecoders = new();
    internal readonly HashSet<string> DecoderNames = new(StringComparer.Ordinal);
    internal readonly List<RuleDefinition> RootRules = new();
    internal readonly List<RuleDefinition> AllRules = new();
    internal readonly Dictionary<int, RuleDefinition> RulesById = new();

    /// <summary>True when the ruleset uses the PCRE2 elements of OSSEC &gt;= 3.4 (some built-in behaviour follows that version).</summary>
    public bool UsesPcre2 { get; internal set; }
    public IReadOnlyList<DecoderDefinition> Decoders => AllDecoders;
    public IReadOnlyList<RuleDefinition> Rules => AllRules;
    public IReadOnlyList<string> DecoderFiles { get; internal set; } = Array.Empty<string>();
    public IReadOnlyList<string> RuleFiles { get; internal set; } = Array.Empty<string>();
    public RuleDefinition? GetRule(int id) => RulesById.TryGetValue(id, out var r) ? r : null;
}
