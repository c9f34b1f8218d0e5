using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hids.Engine.Alerts;
using Hids.Engine.Core;

namespace Hids.Engine.Analysis;

/// <summary>Options of a <see cref="RuleEngine"/>.</summary>
public sealed class RuleEngineOptions
{
    /// <summary>Where first-time-seen (if_fts) keys, the ignore list and check_diff outputs persist. Null: in memory only.</summary>
    public string? StateDirectory { get; set; }
    /// <summary>This host's name, used for local events without a syslog hostname (OSSEC's __shost).</summary>
    public string Hostname { get; set; } = Environment.MachineName;
    public IHidsLog Log { get; set; } = NullLog.Instance;
    /// <summary>Longer lines are truncated to this many characters (OSSEC 3.2: OS_MAXSTR, 65536), then processed.</summary>
    public int MaxLineLength { get; set; } = 65536;
    /// <summary>The most events kept per correlation list (if_matched_sid / if_matched_group).</summary>
    public int MaxCorrelationEvents { get; set; } = 1024;
}

/// <summary>Everything the engine found for one event (what ossec-logtest prints).</summary>
public sealed class AnalysisResult
{
    public required LogEvent Event { get; init; }
    /// <summary>The decoder that matched (its reported name is <see cref="LogEvent.DecoderName"/>), or null.</summary>
    public DecoderDefinition? Decoder { get; init; }
    /// <summary>The rule that matched, also when its level is 0 (no alert); null when no rule matched.</summary>
    public RuleDefinition? Rule { get; init; }
    /// <summary>The alert, when the rule's level is above 0 and nothing suppressed it.</summary>
    public Alert? Alert { get; init; }
    public string? SrcUser { get; init; }
}

/// <summary>
/// The rule engine: pre-decoding, decoding and the rule tree, with OSSEC 3.2's evaluation order and correlation
/// (frequency/timeframe, if_matched_sid/group/regex, same_*/different_*), check_diff, if_fts, ignore lists.
/// Single-threaded: one engine per analysis pipeline.
/// </summary>
public sealed class RuleEngine : IEventAnalyzer, IDisposable
{
    private readonly Ruleset _set;
    private readonly RuleEngineOptions _o;
    private readonly CorrList?[] _sidLists;
    private readonly CorrList?[] _groupLists;
    private readonly DateTimeOffset[] _ignoredAt;
    private readonly int[] _fired;
    private readonly CorrList _lastEvents = new();
    private readonly HashSet<string> _fts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignore = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _diffs = new(StringComparer.Ordinal);
    private readonly List<string> _caps = new(8);
    private readonly bool _hasIfMatchedRegex;
    private readonly StringPool _names = new();
    private readonly Ctx _ctx = new();
    private readonly List<string> _collected = new(12);
    private StreamWriter? _ftsWriter;
    private static long s_counter = DateTime.UtcNow.Ticks % 1_000_000_000;

    public RuleEngine(Ruleset ruleset, RuleEngineOptions? options = null)
    {
        _set = ruleset ?? throw new ArgumentNullException(nameof(ruleset));
        _o = options ?? new RuleEngineOptions();
        int n = ruleset.AllRules.Count;
        _sidLists = new CorrList?[n];
        _groupLists = new CorrList?[n];
        _ignoredAt = new DateTimeOffset[n];
        _fired = new int[n];
        _hasIfMatchedRegex = ruleset.AllRules.Any(r => r.IfMatchedRegexPat != null);
        if (_o.StateDirectory != null) LoadState();
    }

    public Ruleset Ruleset => _set;

    // ------------------------------------------------------------------------------------------------ state
    private string? StatePath(string name) => _o.StateDirectory == null ? null : Path.Combine(_o.StateDirectory, name);

    private void LoadState()
    {
        try
        {
            Directory.CreateDirectory(_o.StateDirectory!);
            var f = StatePath("fts-queue")!;
            if (File.Exists(f)) foreach (var l in File.ReadLines(f)) if (l.Length > 0) _fts.Add(l);
            var ig = StatePath("ignore-queue")!;
            if (File.Exists(ig)) foreach (var l in File.ReadLines(ig)) if (l.Length > 0) _ignore.Add(l);
        }
        catch (Exception ex) { _o.Log.Warn("analysisd", $"Cannot read the analysis state in {_o.StateDirectory}: {ex.Message}"); }
    }

    private void Persist(string name, string line)
    {
        var p = StatePath(name);
        if (p == null) return;
        try
        {
            if (name == "fts-queue")
            {
                _ftsWriter ??= new StreamWriter(new FileStream(p, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
                _ftsWriter.WriteLine(line);
            }
            else File.AppendAllText(p, line + "\n");
        }
        catch (Exception ex) { _o.Log.Warn("analysisd", $"Cannot write {p}: {ex.Message}"); }
    }

    public void Dispose()
    {
        _ftsWriter?.Dispose();
        _ftsWriter = null;
    }

    // ------------------------------------------------------------------------------------------------ entry
    public Alert? Analyze(LogEvent ev) => Evaluate(ev).Alert;

    /// <summary>Runs the three phases on one event and returns what each found.</summary>
    public AnalysisResult Evaluate(LogEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var full = ev.FullLog ?? "";
        int nul = full.IndexOf('\0');
        if (nul >= 0) full = full[..nul];                       // OSSEC works on C strings
        if (full.Length > _o.MaxLineLength) full = full[.._o.MaxLineLength];
        if (!ReferenceEquals(full, ev.FullLog)) ev.FullLog = full;

        var ctx = _ctx;          // one engine runs one event at a time: the working state is reused
        ctx.Reset(ev);
        DecoderDefinition? decoder = null;
        EventCategory category;
        if (!string.IsNullOrEmpty(ev.DecoderName) && !ev.DecodedByEngine)
        {
            // Sources that know their decoder (syscheck, rootcheck) skip pre-decoding and decoding.
            ev.Log ??= full;
            ev.Hostname ??= _o.Hostname;
            category = EventCategory.Ossec;
            ctx.DecoderName = ev.DecoderName;
        }
        else
        {
            // command output is not a syslog line: its header is the "ossec: output: 'cmd'" prefix the decoders read
            var pd = ev.LogFormat is "command" or "full_command" ? new PreDecoded(0, null, null, null) : PreDecoder.Decode(full, _names);
            int msgStart = PreDecoder.MessageSuffixStart(full, pd);
            if (msgStart >= 0) ev.SetLogSuffix(full, msgStart);
            else ev.Log = PreDecoder.MessageOf(full, pd);
            if (pd.Timestamp == null && pd.TimestampEnd > 0) ev.SetTimestampPrefix(full, pd.TimestampEnd);
            else ev.LogTimestamp = pd.Timestamp;
            ev.Hostname = pd.Hostname ?? _o.Hostname;
            ev.ProgramName = pd.ProgramName;
            ev.DecoderName = null; ev.DecoderParent = null;
            ClearFields(ev);
            decoder = Decode(ctx);
            ev.DecodedByEngine = true;
            category = decoder?.Type ?? EventCategory.Syslog;
            ctx.DecoderName = ev.DecoderName;
        }
        ctx.Decoder = decoder;
        (ctx.LogSource, ctx.LogStart) = ev.LogSlice;

        RuleDefinition? matched = null;
        Alert? alert = null;
        foreach (var root in _set.RootRules)
        {
            if (root.Category != category) continue;
            var rule = Check(root, ctx);
            if (rule == null) continue;
            matched = rule;
            if (rule.Level == 0) break;
            if (rule.IgnoreSeconds > 0)
            {
                var t0 = _ignoredAt[rule.Index];
                if (t0 == default) _ignoredAt[rule.Index] = ev.ReceivedAt;
                else if ((ev.ReceivedAt - t0).TotalSeconds < rule.IgnoreSeconds) break;
                else _ignoredAt[rule.Index] = ev.ReceivedAt;
            }
            if (rule.CheckIgnoreMask != 0 && _ignore.Contains(Key(rule.CheckIgnoreMask, ctx))) break;
            if (rule.IgnoreMask != 0)
            {
                var k = Key(rule.IgnoreMask, ctx);
                if (_ignore.Add(k)) Persist("ignore-queue", k);
            }
            alert = BuildAlert(rule, ctx);
            var stored = ctx.Stored ?? Snapshot(ctx);
            if (rule.IsSidTarget) AddTo(ref _sidLists[rule.Index], stored);
            if (rule.GroupSearchers != null)
                foreach (var s in rule.GroupSearchers) AddTo(ref _groupLists[s.Index], stored);
            if (_hasIfMatchedRegex) _lastEvents.Add(stored, _o.MaxCorrelationEvents);
            break;
        }
        return new AnalysisResult { Event = ev, Decoder = decoder, Rule = matched, Alert = alert, SrcUser = ctx.SrcUser };
    }

    private static void ClearFields(LogEvent ev)
    {
        ev.SrcIp = ev.DstIp = ev.SrcPort = ev.DstPort = ev.Protocol = ev.Action = ev.Id = ev.Url = ev.Data = ev.ExtraData = null;
        ev.Status = ev.SystemName = ev.User = ev.DstUser = null;
    }

    private void AddTo(ref CorrList? list, StoredEvent e)
    {
        list ??= new CorrList();
        list.Add(e, _o.MaxCorrelationEvents);
    }

    private readonly record struct Entry(StoredEvent E, long Seq);

    /// <summary>
    /// A correlation list (OSSEC's sid_prev_matched / group_prev_matched / last events), chronological, bounded, with an
    /// index by source IP. OSSEC scans the whole list from the newest event and stops at the first event outside the
    /// timeframe or already used by a rule of the same or a higher level; the index gives the same answers without
    /// walking other addresses' events: <see cref="Barrier"/>[L] is the newest position holding an event used at level L or above.
    /// </summary>
    private sealed class CorrList
    {
        public readonly List<Entry> Items = new();
        public readonly Dictionary<string, List<Entry>> BySrc = new(StringComparer.Ordinal);
        public readonly long[] Barrier = Enumerable.Repeat(-1L, 32).ToArray();
        public long FirstSeq, NextSeq;
        private int _addsSincePurge;
        private Predicate<Entry>? _stale;

        public void Add(StoredEvent e, int max)
        {
            long seq = NextSeq++;
            var en = new Entry(e, seq);
            Items.Add(en);
            if (e.FirstList == null) { e.FirstList = this; e.FirstSeq = seq; }
            else (e.Memberships ??= new List<(CorrList, long)>(2)).Add((this, seq));
            if (e.SrcIp != null)
            {
                if (!BySrc.TryGetValue(e.SrcIp, out var l)) BySrc[e.SrcIp] = l = new List<Entry>(1);   // most addresses appear once
                l.Add(en);
                if (l.Count > 64 && l[0].Seq < FirstSeq) l.RemoveAll(_stale ??= x => x.Seq < FirstSeq);
            }
            if (e.Matched > 0) Mark(seq, e.Matched);
            if (Items.Count > max + max / 4)
            {
                int k = Items.Count - max;
                FirstSeq = Items[k].Seq;
                Items.RemoveRange(0, k);
            }
            if (++_addsSincePurge > Math.Max(1024, max))
            {
                _addsSincePurge = 0;
                // removing the current entry while enumerating a Dictionary is allowed (and allocates nothing)
                foreach (var kv in BySrc)
                {
                    var l = kv.Value;
                    if (l.Count == 0 || l[^1].Seq < FirstSeq) BySrc.Remove(kv.Key);
                    else if (l[0].Seq < FirstSeq) l.RemoveAll(_stale ??= x => x.Seq < FirstSeq);
                }
            }
        }

        public void Mark(long seq, int level)
        {
            for (int l = 0; l <= Math.Min(level, 31); l++) if (Barrier[l] < seq) Barrier[l] = seq;
        }
    }

    private static void SetMatched(StoredEvent e, int level)
    {
        e.Matched = level;
        e.FirstList?.Mark(e.FirstSeq, level);
        if (e.Memberships != null) foreach (var (l, seq) in e.Memberships) l.Mark(seq, level);
    }

    /// <summary>Per-event working state.</summary>
    private sealed class Ctx
    {
        public LogEvent Ev = null!;
        public string? SrcUser;
        public string? DstUser;
        public string? DecoderName;
        public DecoderDefinition? Decoder;
        public StoredEvent? Stored;
        public string[]? LastEvents;
        public string? Previous;
        public int Matched;
        /// <summary>The message: LogSource[LogStart..] (not copied out of the line).</summary>
        public string LogSource = "";
        public int LogStart;
        public ReadOnlySpan<char> LogSpan => LogSource.AsSpan(LogStart);

        public void Reset(LogEvent ev)
        {
            Ev = ev; SrcUser = DstUser = DecoderName = Previous = null;
            Decoder = null; Stored = null; LastEvents = null; Matched = 0;
        }
    }

    private sealed class StoredEvent
    {
        public DateTimeOffset Time;
        public string? SrcIp, DstIp, SrcPort, DstPort, DstUser, Id, Url, Hostname, Location, FullLog, Log;
        public EventCategory Category;
        public int Matched;
        /// <summary>The first list the event is in (most are in one), then the others.</summary>
        public CorrList? FirstList;
        public long FirstSeq;
        public List<(CorrList List, long Seq)>? Memberships;
    }

    private StoredEvent Snapshot(Ctx c)
    {
        var e = c.Ev;
        bool keepLog = _hasIfMatchedRegex;      // only if_matched_regex reads a stored event's message
        var s = new StoredEvent
        {
            Time = e.ReceivedAt, SrcIp = e.SrcIp, DstIp = e.DstIp, SrcPort = e.SrcPort, DstPort = e.DstPort, DstUser = c.DstUser,
            Id = e.Id, Url = e.Url, Hostname = e.Hostname, Location = e.Location, FullLog = e.FullLog, Log = keepLog ? e.Log : null,
            Category = c.Decoder?.Type ?? EventCategory.Syslog, Matched = c.Matched,
        };
        c.Stored = s;
        return s;
    }

    // --------------------------------------------------------------------------------------------- decoding
    private DecoderDefinition? Decode(Ctx c)
    {
        var ev = c.Ev;
        var (log, lo) = ev.LogSlice;          // the message is log[lo..]
        int logLen = log.Length - lo;
        var pname = ev.ProgramName;
        // Which decoders take a program name depends on the name only: computed once per distinct name.
        var list = pname != null ? CandidatesFor(pname) : _set.DecodersWithoutProgramName;
        for (int di = 0; di < list.Count; di++)
        {
            var node = list[di];
            int pmatch = 0;
            if (node.Prematch != null)
            {
                if (!node.Prematch.TryMatchEnd(log, lo, _caps, out int after)) continue;
                pmatch = after;
            }
            var info = node;
            DecoderDefinition? nn = null;
            int cmatch = pmatch;
            var children = node.Children;
            int idx = -1;
            if (children.Count == 0) nn = node;
            else
            {
                int i = 0;
                while (i < children.Count)
                {
                    var ch = children[i];
                    if (ch.Prematch != null)
                    {
                        int bas = ch.PrematchAfterParent ? Math.Min(pmatch, logLen) : 0;
                        // allocation-free for the OSSEC dialects: the suffix after the parent is matched in place
                        if (ch.Prematch.TryMatchEnd(log, lo + bas, _caps, out int after))
                        {
                            cmatch = bas + after;
                            info = ch;
                            nn = ch; idx = i;
                            break;
                        }
                    }
                    else { cmatch = pmatch; nn = ch; idx = i; break; }
                    if (ch.GetNext)
                    {
                        do { i++; } while (i < children.Count && children[i].GetNext);
                        if (i >= children.Count) break;
                        i++;
                    }
                    else i++;
                }
            }
            SetDecoder(ev, info, node);
            if (nn == null) return info;
            if (nn.PluginDecoder != null)
            {
                PluginDecoders.Run(nn.PluginDecoder, ev, ev.Log ?? "", c);
                return info;
            }
            int regexPrev = -1;
            while (nn != null)
            {
                if (nn.Regex == null) return info;
                int start = nn.RegexOffset switch
                {
                    RegexOffset.AfterParent => pmatch,
                    RegexOffset.AfterPrematch => cmatch,
                    RegexOffset.AfterRegex => regexPrev < 0 ? cmatch : regexPrev,
                    _ => 0,
                };
                if (start > logLen) start = logLen;
                if (!nn.Regex.TryMatch(log, lo + start, _caps, out int after))
                {
                    if (nn.GetNext && idx >= 0 && idx + 1 < children.Count) { idx++; nn = children[idx]; continue; }
                    return info;
                }
                regexPrev = start + after;
                for (int k = 0; k < _caps.Count && k < nn.Fields.Length; k++) SetField(ev, c, nn.Fields[k], _caps[k]);
                if (nn.GetNext && idx >= 0 && idx + 1 < children.Count) { idx++; nn = children[idx]; continue; }
                break;
            }
            return info;
        }
        return null;
    }

    private readonly Dictionary<string, List<DecoderDefinition>> _byProgram = new(StringComparer.Ordinal);

    private List<DecoderDefinition> CandidatesFor(string pname)
    {
        if (_byProgram.TryGetValue(pname, out var l)) return l;
        l = new List<DecoderDefinition>();
        foreach (var d in _set.DecodersWithProgramName)
            if (d.ProgramName == null || d.ProgramName.IsMatch(pname)) l.Add(d);
        if (_byProgram.Count > 8192) _byProgram.Clear();   // hostile input cannot grow the cache without bound
        _byProgram[pname] = l;
        return l;
    }

    private static void SetDecoder(LogEvent ev, DecoderDefinition info, DecoderDefinition top)
    {
        ev.DecoderName = info.Name;
        ev.DecoderParent = ReferenceEquals(info, top) ? null : top.OwnName;
    }

    internal static void SetField(LogEvent ev, object ctx, DecoderField f, string v)
    {
        var c = (Ctx)ctx;
        switch (f)
        {
            case DecoderField.SrcUser: c.SrcUser = v; ev.User = c.DstUser ?? v; break;
            case DecoderField.DstUser: c.DstUser = v; ev.DstUser = v; ev.User = v; break;
            case DecoderField.SrcIp: ev.SrcIp = v; break;
            case DecoderField.DstIp: ev.DstIp = v; break;
            case DecoderField.SrcPort: ev.SrcPort = v; break;
            case DecoderField.DstPort: ev.DstPort = v; break;
            case DecoderField.Protocol: ev.Protocol = v; break;
            case DecoderField.Action: ev.Action = v; break;
            case DecoderField.Id: ev.Id = v; break;
            case DecoderField.Url: ev.Url = v; break;
            case DecoderField.Data: ev.Data = v; ev.ExtraData = v; break;
            case DecoderField.Status: ev.Status = v; break;
            case DecoderField.SystemName: ev.SystemName = v; break;
        }
    }

    // ------------------------------------------------------------------------------------------------ rules
    private string? FieldValue(RuleField f, Ctx c)
    {
        var e = c.Ev;
        return f switch
        {
            RuleField.Log => e.Log,
            RuleField.ProgramName => e.ProgramName,
            RuleField.Hostname => e.Hostname,
            RuleField.Id => e.Id,
            RuleField.User => c.DstUser ?? c.SrcUser ?? (c.Decoder == null ? e.User : null),
            RuleField.Url => e.Url,
            RuleField.Status => e.Status,
            RuleField.ExtraData => e.Data ?? e.ExtraData,
            RuleField.SrcPort => e.SrcPort,
            RuleField.DstPort => e.DstPort,
            RuleField.Location => e.Location,
            RuleField.Action => e.Action,
            RuleField.SystemName => e.SystemName,
            RuleField.Protocol => e.Protocol,
            RuleField.DstUser => c.DstUser,
            RuleField.SrcUser => c.SrcUser,
            _ => null,
        };
    }

    private RuleDefinition? Check(RuleDefinition rule, Ctx c)
    {
        var ev = c.Ev;
        if (rule.DecodedAs != null && !string.Equals(rule.DecodedAs, c.DecoderName, StringComparison.Ordinal)) return null;
        var conds = rule.Conditions;
        for (int i = 0; i < conds.Count; i++)
        {
            var cd = conds[i];
            bool hit;
            if (cd.Field == RuleField.Log) hit = cd.Pattern.IsMatch(c.LogSpan);
            else
            {
                var v = FieldValue(cd.Field, c);
                if (v == null) return null;
                hit = cd.Pattern.IsMatch(v);
            }
            if (hit == cd.Negate) return null;
        }
        if (rule.ActionEquals != null && (ev.Action == null || !string.Equals(ev.Action, rule.ActionEquals, StringComparison.OrdinalIgnoreCase))) return null;
        if (rule.SrcIp != null && (ev.SrcIp == null || !IpMatcher.FoundInList(rule.SrcIp, ev.SrcIp))) return null;
        if (rule.DstIp != null && (ev.DstIp == null || !IpMatcher.FoundInList(rule.DstIp, ev.DstIp))) return null;
        if (rule.CompiledRule != null && !CompiledRule(rule.CompiledRule, c)) return null;
        if (rule.MaxSize > 0 && c.LogSource.Length - c.LogStart < rule.MaxSize) return null;
        if (rule.TimeRanges != null || rule.WeekdayMask != 0)
        {
            var local = ev.ReceivedAt.ToLocalTime();
            if (rule.TimeRanges != null)
            {
                int m = local.Hour * 60 + local.Minute;
                bool inside = false;
                foreach (var (from, to) in rule.TimeRanges)
                    inside |= from <= to ? m >= from && m < to : m >= from || m < to;
                if (inside == rule.TimeNegate) return null;
            }
            if (rule.WeekdayMask != 0 && (rule.WeekdayMask & (1 << (int)local.DayOfWeek)) == 0) return null;
        }
        if (rule.IfFts && !FirstTimeSeen(c)) return null;
        if (rule.CheckDiff && !DiffChanged(rule, c)) return null;
        if (rule.IsContext && !SearchContext(rule, c)) return null;

        var kids = rule.ChildrenArray;
        if (kids.Length > 0)
        {
            if (rule.ChildrenByDecoder != null)
                kids = c.DecoderName != null && rule.ChildrenByDecoder.TryGetValue(c.DecoderName, out var k) ? k : rule.ChildrenNoDecoder;
            for (int i = 0; i < kids.Length; i++)
            {
                var r = Check(kids[i], c);
                if (r != null) return r;
            }
        }
        if (rule.NoAlert) return null;
        _fired[rule.Index]++;
        return rule;
    }

    private bool CompiledRule(string name, Ctx c)
    {
        var ev = c.Ev;
        switch (name)
        {
            case "comp_srcuser_dstuser":
                return c.SrcUser == null || c.DstUser == null || c.SrcUser == c.DstUser;
            case "check_id_size":
                return ev.Id != null && ev.Id.Length >= 10;
            case "comp_mswin_targetuser_calleruser_diff":
                {
                    var log = ev.Log ?? "";
                    int t = log.IndexOf("Target Account Name", StringComparison.Ordinal), u = log.IndexOf("Caller User Name", StringComparison.Ordinal);
                    if (t < 0 || u < 0) return false;
                    t = log.IndexOf(':', t); u = log.IndexOf(':', u);
                    if (t < 0 || u < 0) return false;
                    t++; u++;
                    while (t < log.Length)
                    {
                        if (u >= log.Length || log[t] != log[u]) return true;
                        if (log[t] == '\t' || (log[t] == ' ' && t + 1 < log.Length && log[t + 1] == ' ')) break;
                        t++; u++;
                    }
                    return false;
                }
            case "is_simple_http_request":
                if (ev.Url == null) return false;
                // OSSEC >= 3.4 (the PCRE2 rulesets) only counts GET requests as simple; 3.2 looks at the URL alone.
                if (_set.UsesPcre2 && ev.Action != null && !string.Equals(ev.Action, "GET", StringComparison.OrdinalIgnoreCase)) return false;
                return ev.Url == "/" || !ev.Url.Contains('?');
            case "is_valid_crawler":
                {
                    var l = ev.Log ?? "";
                    foreach (var p in new[] { "72.14.", "209.85.", "65.55.", "207.46.", "74.6.", "72.30.", "67.195." })
                        if (l.StartsWith(p, StringComparison.Ordinal)) return true;
                    return false;   // Hids does no DNS lookups while analysing
                }
        }
        return false;
    }

    private string Key(FtsFields mask, Ctx c)
    {
        var e = c.Ev;
        return string.Join(' ',
            (mask & FtsFields.Name) != 0 ? c.DecoderName ?? "" : "",
            (mask & FtsFields.Id) != 0 ? e.Id ?? "" : "",
            (mask & FtsFields.DstUser) != 0 ? c.DstUser ?? "" : "",
            (mask & FtsFields.SrcUser) != 0 ? c.SrcUser ?? "" : "",
            (mask & FtsFields.SrcIp) != 0 ? e.SrcIp ?? "" : "",
            (mask & FtsFields.DstIp) != 0 ? e.DstIp ?? "" : "",
            (mask & FtsFields.Data) != 0 ? e.Data ?? "" : "",
            (mask & FtsFields.SystemName) != 0 ? e.SystemName ?? "" : "",
            (mask & FtsFields.Location) != 0 ? e.Location : "");
    }

    private bool FirstTimeSeen(Ctx c)
    {
        var mask = c.Decoder?.FtsMask ?? 0;
        if (mask == 0) return false;
        var key = Key(mask | FtsFields.Name, c);
        if (!_fts.Add(key)) return false;
        Persist("fts-queue", key);
        return true;
    }

    private bool DiffChanged(RuleDefinition rule, Ctx c)
    {
        var ev = c.Ev;
        var log = ev.Log ?? "";
        var key = rule.Id.ToString(CultureInfo.InvariantCulture) + "|" + (ev.Hostname ?? "") + "|" + ev.Location;
        string? previous = null;
        bool known = _diffs.TryGetValue(key, out previous);
        string? file = null;
        if (_o.StateDirectory != null)
        {
            var h = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24].ToLowerInvariant();
            file = Path.Combine(_o.StateDirectory, "diff", rule.Id.ToString(CultureInfo.InvariantCulture), h + ".last");
            if (!known && File.Exists(file))
            {
                try { previous = File.ReadAllText(file); known = true; } catch (IOException) { }
            }
        }
        if (known && previous == log) { _diffs[key] = log; return false; }
        _diffs[key] = log;
        if (file != null)
        {
            try
            {
                AtomicFile.Write(file, log);
            }
            catch (Exception ex) { _o.Log.Warn("analysisd", $"Cannot store the output of rule {rule.Id}: {ex.Message}"); }
        }
        if (!known) return false;          // the first output is the baseline: no alert
        c.Previous = previous;
        ev.PreviousOutput = previous;
        return true;
    }

    private bool SearchContext(RuleDefinition rule, Ctx c)
    {
        CorrList? list;
        bool regexMode = false;
        if (rule.IfMatchedSid != 0)
            list = _set.RulesById.TryGetValue(rule.IfMatchedSid, out var t) ? _sidLists[t.Index] : null;
        else if (rule.IfMatchedGroupPat != null) list = _groupLists[rule.Index];
        else { list = _lastEvents; regexMode = true; }
        if (list == null || list.Items.Count == 0) return false;

        var ev = c.Ev;
        var opts = rule.Context;
        if ((opts & ContextOptions.NotSameSrcIp) != 0) opts &= ~ContextOptions.SameSrcIp;
        if ((opts & ContextOptions.NotSameUser) != 0) opts &= ~ContextOptions.SameUser;
        if ((opts & ContextOptions.NotSameId) != 0) opts &= ~ContextOptions.SameId;
        List<Entry> entries;
        if ((opts & ContextOptions.SameSrcIp) != 0)
        {
            if (ev.SrcIp == null || !list.BySrc.TryGetValue(ev.SrcIp, out var bySrc)) return false;
            entries = bySrc;
        }
        else entries = list.Items;
        long barrier = list.Barrier[Math.Clamp(rule.Level, 0, 31)];
        var first = list.Items[^1].E;
        var now = ev.ReceivedAt;
        int count = 0;
        var collected = _collected;          // reused: a window that does not fire allocates nothing
        collected.Clear();
        var category = c.Decoder?.Type ?? EventCategory.Syslog;
        for (int i = entries.Count - 1; i >= 0; i--)
        {
            var (lf, seq) = entries[i];
            if (seq < list.FirstSeq) break;                                   // trimmed away
            if ((now - lf.Time).TotalSeconds > rule.Timeframe) return false;
            if (seq <= barrier || lf.Matched >= rule.Level) return false;     // already used by this or a higher level
            if (regexMode)
            {
                if (lf.Category != category) continue;
                if (rule.IfMatchedRegexPat != null && !rule.IfMatchedRegexPat.IsMatch(lf.Log ?? "")) continue;
            }
            if ((opts & ContextOptions.SameId) != 0 && (lf.Id == null || ev.Id == null || lf.Id != ev.Id)) continue;
            if ((opts & ContextOptions.SameSrcIp) != 0 && (lf.SrcIp == null || ev.SrcIp == null || lf.SrcIp != ev.SrcIp)) continue;
            if ((opts & ContextOptions.SameDstIp) != 0 && (lf.DstIp == null || ev.DstIp == null || lf.DstIp != ev.DstIp)) continue;
            if ((opts & ContextOptions.SameSrcPort) != 0 && (lf.SrcPort == null || ev.SrcPort == null || lf.SrcPort != ev.SrcPort)) continue;
            if ((opts & ContextOptions.SameDstPort) != 0 && (lf.DstPort == null || ev.DstPort == null || lf.DstPort != ev.DstPort)) continue;
            if ((opts & ContextOptions.SameUser) != 0 && (lf.DstUser == null || c.DstUser == null || lf.DstUser != c.DstUser)) continue;
            if ((opts & ContextOptions.SameLocation) != 0 && (lf.Hostname != ev.Hostname || lf.Location != ev.Location)) continue;
            if ((opts & ContextOptions.DifferentUrl) != 0 && (lf.Url == null || ev.Url == null || lf.Url == ev.Url)) continue;
            if ((opts & ContextOptions.DifferentSrcIp) != 0 && (lf.SrcIp == null || ev.SrcIp == null || lf.SrcIp == ev.SrcIp)) continue;

            if (collected.Count <= 10) collected.Add(lf.FullLog ?? "");
            if (count < rule.Frequency) { count++; continue; }
            c.Matched = rule.Level;
            SetMatched(lf, rule.Level);
            SetMatched(first, rule.Level);
            if (c.Stored != null) SetMatched(c.Stored, rule.Level);
            c.LastEvents = collected.ToArray();
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------ alert
    private Alert BuildAlert(RuleDefinition rule, Ctx c)
    {
        var ev = c.Ev;
        long n = Interlocked.Increment(ref s_counter);
        return new Alert
        {
            AlertId = string.Create(CultureInfo.InvariantCulture, $"{ev.ReceivedAt.ToUnixTimeSeconds()}.{n}"),
            Time = ev.ReceivedAt,
            RuleId = rule.Id,
            Level = rule.Level,
            Description = rule.Description,
            Groups = rule.Groups,
            Host = ev.Hostname ?? _o.Hostname,
            Location = ev.Location,
            Decoder = ev.DecoderName,
            ProgramName = ev.ProgramName,
            SrcIp = ev.SrcIp, DstIp = ev.DstIp, SrcPort = ev.SrcPort, DstPort = ev.DstPort, Protocol = ev.Protocol, Action = ev.Action,
            User = c.DstUser ?? c.SrcUser ?? ev.User, DstUser = ev.DstUser, Url = ev.Url, EventId = ev.Id, Status = ev.Status,
            Data = ev.Data, ExtraData = ev.ExtraData, SystemName = ev.SystemName,
            FullLog = ev.FullLog,
            PreviousEvents = c.LastEvents ?? Array.Empty<string>(),
            PreviousOutput = c.Previous ?? ev.PreviousOutput,
            Syscheck = ev.Syscheck,
            NoEmail = rule.NoEmail, AlertByEmail = rule.AlertByEmail, NoLog = rule.NoLog,
            FiredTimes = _fired[rule.Index],
            RuleInfo = rule.Info.Length > 0 ? string.Join("; ", rule.Info) : null,
        };
    }
}
