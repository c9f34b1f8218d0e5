using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Hids.Engine.Core;
using Hids.Engine.Xml;

namespace Hids.Engine.Configuration;

/// <summary>
/// Reads an OSSEC-compatible ossec.conf (one or several &lt;ossec_config&gt; roots, merged in order as OSSEC does)
/// into <see cref="HidsConfiguration"/> and validates it. Never throws for a bad file: every problem becomes a
/// <see cref="HidsDiagnostic"/> with file, line, column and a hint.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>Loads an instance's etc/ossec.conf; relative paths (rules, rootcheck files) resolve against the instance.
    /// Also warns about rule and decoder files named in &lt;rules&gt; that the instance does not have.</summary>
    public static ConfigurationLoadResult LoadInstance(InstancePaths paths)
    {
        var result = Load(paths.OssecConf, out var rulePositions);
        if (!File.Exists(paths.OssecConf) || result.HasErrors) return result;
        // OSSEC refuses to start without them; we warn here and the rule loader reports them again in its context.
        var extra = new List<HidsDiagnostic>(result.Diagnostics);
        var files = RulesPaths.Resolve(paths, result.Configuration.Rules);
        foreach (var f in files.Missing)
        {
            var name = rulePositions.Keys.FirstOrDefault(k => RulesPaths.IncludePath(paths, k) == f || RulesPaths.FromRoot(paths, k) == f);
            var pos = name is not null ? rulePositions[name] : new SourcePosition(paths.OssecConf, 0, 0);
            extra.Add(new HidsDiagnostic
            {
                Severity = DiagnosticSeverity.Warning, Code = ConfigCodes.MissingRulesFile, File = paths.OssecConf, Line = pos.Line, Column = pos.Column,
                Message = $"Rules file '{f}' does not exist.",
                Hint = name is null ? "Run Install-Hids -Force to restore the shipped ruleset." : $"Run Install-Hids -Force to restore the shipped ruleset, or remove the element naming '{name}'.",
            });
        }
        return new ConfigurationLoadResult(result.Configuration, extra);
    }

    private static ConfigurationLoadResult Load(string path, out Dictionary<string, SourcePosition> rulePositions)
    {
        var full = Path.GetFullPath(path);
        rulePositions = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        string text;
        try { text = File.ReadAllText(full); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var d = new HidsDiagnostic
            {
                Severity = DiagnosticSeverity.Error, Code = ConfigCodes.FileNotFound, File = full,
                Message = ex is FileNotFoundException or DirectoryNotFoundException ? $"Configuration file '{full}' does not exist." : $"Cannot read '{full}': {ex.Message}",
                Hint = ex is UnauthorizedAccessException ? "Run as a user that can read the file." : "Install an instance with Install-Hids, or pass the right -Instance/-Path.",
            };
            return new ConfigurationLoadResult(new HidsConfiguration { SourceFile = full }, new[] { d });
        }
        return LoadText(text, full, rulePositions);
    }

    /// <summary>Loads any ossec.conf-style file.</summary>
    public static ConfigurationLoadResult Load(string path) => Load(path, out _);

    /// <summary>Loads configuration text; <paramref name="file"/> is the name used in diagnostics.</summary>
    public static ConfigurationLoadResult LoadText(string text, string file) => LoadText(text, file, null);

    private static ConfigurationLoadResult LoadText(string text, string file, Dictionary<string, SourcePosition>? rulePositions)
    {
        var ctx = new Ctx(file) { RulePositions = rulePositions };
        var cfg = new HidsConfiguration { SourceFile = file };
        IReadOnlyList<XNode2> roots;
        try { roots = OssecXmlReader.Read(text, file); }
        catch (OssecXmlException ex)
        {
            ctx.Add(DiagnosticSeverity.Error, ConfigCodes.MalformedXml, ex.Position, ex.Message, ex.Hint ?? "Fix the XML syntax at this position.");
            return new ConfigurationLoadResult(cfg, ctx.Diagnostics);
        }
        var p = new Parser(ctx, cfg);
        int configRoots = 0;
        foreach (var root in roots)
        {
            if (root.Name == "ossec_config") { configRoots++; p.Config(root); }
            else if (Schema.Sections.Contains(root.Name) || Schema.OssecSections.Contains(root.Name))
            {
                configRoots++;
                ctx.Add(DiagnosticSeverity.Warning, ConfigCodes.UnexpectedRoot, root.Position,
                    $"<{root.Name}> is outside of <ossec_config>; it is read as if it were inside.",
                    "OSSEC only reads sections inside <ossec_config>...</ossec_config>; wrap it.");
                p.Section(root);
            }
            else
                ctx.Add(DiagnosticSeverity.Error, ConfigCodes.UnexpectedRoot, root.Position,
                    $"Unexpected root element <{root.Name}>.", "The configuration's root element is <ossec_config>." + Suggest.DidYouMean(root.Name, new[] { "ossec_config" }));
        }
        if (configRoots == 0 && !ctx.Diagnostics.Any(d => d.Code == ConfigCodes.UnexpectedRoot))
            ctx.Add(DiagnosticSeverity.Error, ConfigCodes.NoConfiguration, new SourcePosition(file, 0, 0),
                "The file has no <ossec_config> element.", "Add <ossec_config> ... </ossec_config> around the configuration.");
        p.CrossChecks();
        return new ConfigurationLoadResult(cfg, ctx.Diagnostics);
    }

    internal sealed class Ctx
    {
        public Ctx(string file) { File = file; }
        public string File { get; }
        public List<HidsDiagnostic> Diagnostics { get; } = new();
        public Dictionary<string, SourcePosition>? RulePositions { get; init; }
        public void Add(DiagnosticSeverity sev, string code, SourcePosition pos, string message, string? hint)
            => Diagnostics.Add(new HidsDiagnostic
            {
                Severity = sev, Code = code, File = string.IsNullOrEmpty(pos.File) ? File : pos.File,
                Line = pos.Line, Column = pos.Column, Message = message, Hint = hint,
            });
    }

    private sealed class Parser
    {
        private readonly Ctx _ctx;
        private readonly HidsConfiguration _cfg;
        private readonly Dictionary<string, SourcePosition> _commandPos = new(StringComparer.Ordinal);
        private readonly List<(ActiveResponseOptions Ar, SourcePosition Pos)> _ars = new();

        public Parser(Ctx ctx, HidsConfiguration cfg) { _ctx = ctx; _cfg = cfg; }

        private void Err(string code, SourcePosition pos, string msg, string? hint) => _ctx.Add(DiagnosticSeverity.Error, code, pos, msg, hint);
        private void Warn(string code, SourcePosition pos, string msg, string? hint) => _ctx.Add(DiagnosticSeverity.Warning, code, pos, msg, hint);

        public void Config(XNode2 root)
        {
            NoAttributes(root);
            foreach (var s in root.Children) Section(s);
        }

        public void Section(XNode2 s)
        {
            switch (s.Name)
            {
                case "global": Global(s); break;
                case "alerts": Alerts(s); break;
                case "email_alerts": EmailAlerts(s); break;
                case "syscheck": Syscheck(s); break;
                case "rootcheck": Rootcheck(s); break;
                case "localfile": LocalFile(s); break;
                case "command": Command(s); break;
                case "active-response": ActiveResponse(s); break;
                case "rules": Rules(s); break;
                case "syslog_output": SyslogOutput(s); break;
                case "hids": Hids(s); break;
                default:
                    if (Schema.OssecSections.Contains(s.Name))
                        _ctx.Add(DiagnosticSeverity.Info, ConfigCodes.NotModelled, s.Position,
                            $"<{s.Name}> is an OSSEC section Hids does not use; it is ignored.", null);
                    else
                        Err(ConfigCodes.UnknownElement, s.Position, $"Unknown section <{s.Name}> in <ossec_config>.",
                            "Check the spelling." + Suggest.DidYouMean(s.Name, Schema.Sections.Concat(Schema.OssecSections)));
                    break;
            }
        }

        // ---------- helpers ----------

        private void NoAttributes(XNode2 n, params string[] allowed)
        {
            foreach (var a in n.Attributes)
                if (!allowed.Contains(a.Name))
                    Err(ConfigCodes.UnknownAttribute, a.Position, $"Unknown attribute '{a.Name}' on <{n.Name}>.",
                        (allowed.Length == 0 ? $"<{n.Name}> takes no attributes." : $"<{n.Name}> accepts: {string.Join(", ", allowed)}.") + Suggest.DidYouMean(a.Name, allowed));
        }

        private void Unknown(XNode2 child, string section, IEnumerable<string> known, IEnumerable<string>? ossecOnly = null)
        {
            if (ossecOnly is not null && ossecOnly.Contains(child.Name))
            {
                _ctx.Add(DiagnosticSeverity.Info, ConfigCodes.NotModelled, child.Position, $"<{child.Name}> in <{section}> is not used by Hids; it is ignored.", null);
                return;
            }
            Err(ConfigCodes.UnknownElement, child.Position, $"Unknown element <{child.Name}> in <{section}>.",
                $"<{section}> accepts: {string.Join(", ", known)}." + Suggest.DidYouMean(child.Name, known));
        }

        private string? Text(XNode2 n, bool required = true)
        {
            NoAttributes(n);
            if (n.Text.Length == 0 && required)
            {
                Err(ConfigCodes.EmptyValue, n.TextPosition, $"<{n.Name}> is empty.", $"Give <{n.Name}> a value or remove it.");
                return null;
            }
            return n.Text;
        }

        private bool? YesNo(XNode2 n) => YesNoValue(n.Text, n.Name, n.TextPosition, () => NoAttributes(n));

        private bool? YesNoValue(string v, string what, SourcePosition pos, Action? pre = null)
        {
            pre?.Invoke();
            if (v.Equals("yes", StringComparison.OrdinalIgnoreCase)) return true;
            if (v.Equals("no", StringComparison.OrdinalIgnoreCase)) return false;
            Err(ConfigCodes.InvalidYesNo, pos, $"'{v}' is not a valid value for {what}.", $"{what} takes yes or no.");
            return null;
        }

        private int? Int(XNode2 n, int min, int max, string? unit = null)
        {
            NoAttributes(n);
            return IntValue(n.Text, $"<{n.Name}>", n.TextPosition, min, max, unit);
        }

        private int? IntValue(string v, string what, SourcePosition pos, int min, int max, string? unit = null)
        {
            if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x))
            {
                Err(ConfigCodes.InvalidNumber, pos, $"'{v}' is not a number ({what}).", $"{what} takes a whole number from {min} to {max}{(unit is null ? "" : " " + unit)}.");
                return null;
            }
            if (x < min || x > max)
            {
                if (max == int.MaxValue)
                    Err(ConfigCodes.OutOfRange, pos, $"{what} is {v}; it must be at least {min}.", $"Use a whole number of at least {min}{(unit is null ? "" : " " + unit)}.");
                else
                    Err(ConfigCodes.OutOfRange, pos, $"{what} is {v}, outside {min}–{max}.", $"Use a value from {min} to {max}{(unit is null ? "" : " " + unit)}.");
                return null;
            }
            return (int)x;
        }

        private int? Level(XNode2 n) => Int(n, 0, 16, "(alert levels are 0 to 16)");

        private static readonly Regex EmailRx = new(@"^[^@\s<>,;]+@[^@\s<>,;]+$", RegexOptions.CultureInvariant);

        private string? Email(XNode2 n)
        {
            var v = Text(n);
            if (v is null) return null;
            if (!EmailRx.IsMatch(v))
            {
                Err(ConfigCodes.InvalidEmail, n.TextPosition, $"'{v}' is not an e-mail address (<{n.Name}>).", "Write one address such as admin@example.com; repeat the element for several.");
                return null;
            }
            return v;
        }

        private string? AbsPath(XNode2 n, string what)
        {
            var v = Text(n);
            if (v is null) return null;
            if (!v.StartsWith('/'))
            {
                Err(ConfigCodes.RelativePath, n.TextPosition, $"{what} '{v}' is not an absolute path.", $"Write the full path, e.g. /{v.TrimStart('.', '/')}.");
                return null;
            }
            return v;
        }

        private string? Choice(XNode2 n, params string[] choices)
        {
            var v = Text(n);
            if (v is null) return null;
            var hit = choices.FirstOrDefault(c => c.Equals(v, StringComparison.OrdinalIgnoreCase));
            if (hit is null)
            {
                Err(ConfigCodes.InvalidChoice, n.TextPosition, $"'{v}' is not a valid value for <{n.Name}>.", $"Use one of: {string.Join(", ", choices)}." + Suggest.DidYouMean(v, choices));
                return null;
            }
            return hit;
        }

        private List<int> IntList(XNode2 n, int min, int max)
        {
            var list = new List<int>();
            var v = Text(n);
            if (v is null) return list;
            foreach (var part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var x = IntValue(part, $"<{n.Name}>", n.TextPosition, min, max);
                if (x is not null) list.Add(x.Value);
            }
            return list;
        }

        private static List<string> SplitList(string v, params char[] seps)
            => v.Split(seps, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        private static SourcePositionInfo Info(SourcePosition p) => SourcePositionInfo.From(p);

        // ---------- sections ----------

        private void Global(XNode2 s)
        {
            NoAttributes(s);
            var g = _cfg.Global;
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "email_notification": if (YesNo(c) is bool b) g.EmailNotification = b; break;
                    case "email_to": if (Email(c) is string to && !g.EmailTo.Contains(to)) g.EmailTo.Add(to); break;
                    case "email_from": if (Email(c) is string from) g.EmailFrom = from; break;
                    case "smtp_server":
                        if (Text(c) is string srv)
                        {
                            if (srv.Any(char.IsWhiteSpace) || srv.Contains('@'))
                                Err(ConfigCodes.InvalidAddress, c.TextPosition, $"'{srv}' is not a host name or address (<smtp_server>).", "Write a host name (mail.example.com), an address, or the path of a sendmail program.");
                            else g.SmtpServer = srv;
                        }
                        break;
                    case "email_maxperhour": if (Int(c, 1, 9999) is int m) g.EmailMaxPerHour = m; break;
                    case "email_idsname": if (Text(c) is string idn) g.EmailIdsName = idn; break;
                    case "white_list":
                        if (Text(c) is string wl)
                        {
                            if (!Net.IsAddressOrCidr(wl))
                                Warn(ConfigCodes.InvalidAddress, c.TextPosition, $"'{wl}' is not an IP address or network (<white_list>).", "Write an address (192.0.2.10) or a network in CIDR form (192.0.2.0/24).");
                            if (!g.WhiteList.Contains(wl)) g.WhiteList.Add(wl);
                        }
                        break;
                    case "logall": if (YesNo(c) is bool la) g.LogAll = la; break;
                    case "logall_json": if (YesNo(c) is bool lj) g.LogAllJson = lj; break;
                    case "jsonout_output": if (YesNo(c) is bool jo) g.JsonOutput = jo; break;
                    case "alerts_log": if (YesNo(c) is bool al) g.AlertsLog = al; break;
                    case "memory_size": if (Int(c, 1, 1_000_000) is int ms) g.MemorySize = ms; break;
                    case "stats": if (YesNo(c) is bool st) g.StatsEnabled = st; break;
                    // Hids SMTP extensions, also accepted in <global> (their home is <hids>, which keeps the file OSSEC-valid)
                    case "smtp_port" or "smtp_security" or "smtp_user" or "smtp_password_file" or "smtp_ca_file" or "smtp_cert_fingerprint" or "hosts_deny_path" or "alert_retention_days":
                        _ctx.Add(DiagnosticSeverity.Info, ConfigCodes.NotModelled, c.Position, $"<{c.Name}> is a Hids extension; OSSEC rejects it in <global>.", $"Move it into <hids> to keep the file OSSEC-valid.");
                        HidsSetting(c);
                        break;
                    default: Unknown(c, "global", Schema.Global, Schema.GlobalOssecOnly); break;
                }
            }
        }

        private void Alerts(XNode2 s)
        {
            NoAttributes(s);
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "log_alert_level": if (Level(c) is int l) _cfg.Alerts.LogAlertLevel = l; break;
                    case "email_alert_level": if (Level(c) is int e) _cfg.Alerts.EmailAlertLevel = e; break;
                    case "use_geoip": if (YesNo(c) is bool g) _cfg.Alerts.UseGeoip = g; break;
                    default: Unknown(c, "alerts", new[] { "log_alert_level", "email_alert_level", "use_geoip" }); break;
                }
            }
        }

        private void EmailAlerts(XNode2 s)
        {
            NoAttributes(s);
            var e = new EmailAlertOptions();
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "email_to": if (Email(c) is string to) e.EmailTo.Add(to); break;
                    case "level": e.Level = Level(c); break;
                    case "group": if (Text(c) is string g) e.Group.AddRange(SplitList(g, ',', '|')); break;
                    case "rule_id": e.RuleIds.AddRange(IntList(c, 0, int.MaxValue)); break;
                    case "event_location": if (Text(c) is string loc) e.EventLocation.Add(loc); break;
                    case "format": e.Format = Choice(c, "full", "sms", "default"); break;
                    case "do_not_delay": NoAttributes(c); e.DoNotDelay = true; break;
                    case "do_not_group": NoAttributes(c); e.DoNotGroup = true; break;
                    default: Unknown(c, "email_alerts", Schema.EmailAlerts); break;
                }
            }
            if (e.EmailTo.Count == 0 && !s.Elements("email_to").Any())
                Err(ConfigCodes.MissingElement, s.Position, "<email_alerts> has no <email_to>.", "Add <email_to>someone@example.com</email_to>.");
            _cfg.EmailAlerts.Add(e);
        }

        private void Syscheck(XNode2 s)
        {
            NoAttributes(s);
            var sc = _cfg.Syscheck;
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "disabled": if (YesNo(c) is bool d) sc.Disabled = d; break;
                    case "frequency": if (Int(c, 1, int.MaxValue, "seconds") is int f) sc.Frequency = f; break;
                    case "scan_on_start": if (YesNo(c) is bool so) sc.ScanOnStart = so; break;
                    case "alert_new_files": if (YesNo(c) is bool an) sc.AlertNewFiles = an; break;
                    case "auto_ignore":
                        NoAttributes(c, "frequency", "timeframe");
                        if (YesNoValue(c.Text, "<auto_ignore>", c.TextPosition) is bool ai) sc.AutoIgnore = ai;
                        foreach (var a in c.Attributes) IntValue(a.Value, $"{a.Name}", a.Position, 1, int.MaxValue);
                        break;
                    case "scan_time": if (Text(c) is string t) sc.ScanTime = t; break;
                    case "scan_day": if (Text(c) is string day) sc.ScanDay = day; break;
                    case "skip_nfs": if (YesNo(c) is bool nfs) sc.SkipNfs = nfs; break;
                    case "directories": Directories(c); break;
                    case "ignore": if (IgnoreEntry(c, requireAbsolute: true) is IgnoreEntry ig) AddIgnore(sc.Ignore, ig, c, "ignore"); break;
                    case "nodiff": if (IgnoreEntry(c, requireAbsolute: true) is IgnoreEntry nd) AddIgnore(sc.NoDiff, nd, c, "nodiff"); break;
                    default: Unknown(c, "syscheck", Schema.Syscheck, Schema.SyscheckOssecOnly); break;
                }
            }
        }

        private void AddIgnore(List<IgnoreEntry> list, IgnoreEntry e, XNode2 c, string what)
        {
            if (list.Any(x => x.Value == e.Value && x.Type == e.Type))
            {
                Warn(ConfigCodes.DuplicateEntry, c.Position, $"<{what}>{e.Value}</{what}> is listed twice.", "Remove one of them.");
                return;
            }
            list.Add(e);
        }

        private IgnoreEntry? IgnoreEntry(XNode2 c, bool requireAbsolute)
        {
            NoAttributes(c, "type");
            string? type = null;
            if (c.AttrNode("type") is XAttr ta)
            {
                if (ta.Value != "sregex")
                    Err(ConfigCodes.InvalidChoice, ta.Position, $"'{ta.Value}' is not a valid type for <{c.Name}>.", "The only type is sregex (an OSSEC match expression); leave it out for a plain path." + Suggest.DidYouMean(ta.Value, new[] { "sregex" }));
                else type = "sregex";
            }
            if (c.Text.Length == 0)
            {
                Err(ConfigCodes.EmptyValue, c.TextPosition, $"<{c.Name}> is empty.", "Give a path, or an expression with type=\"sregex\".");
                return null;
            }
            if (type is null && requireAbsolute && !c.Text.StartsWith('/'))
                Warn(ConfigCodes.RelativePath, c.TextPosition, $"<{c.Name}>{c.Text}</{c.Name}> is not an absolute path and will never match.", "Write the full path, or add type=\"sregex\" for an expression.");
            return new IgnoreEntry { Value = c.Text, Type = type, Source = Info(c.Position) };
        }

        private void Directories(XNode2 c)
        {
            var proto = new DirectoryOptions { Source = Info(c.Position) };
            foreach (var a in c.Attributes)
            {
                if (a.Name == "restrict")
                {
                    if (a.Value.Length == 0) Err(ConfigCodes.EmptyValue, a.Position, "restrict is empty.", "Give an expression, or remove the attribute.");
                    else proto.Restrict = a.Value;
                    continue;
                }
                if (a.Name == "recursion_level")
                {
                    proto.RecursionLevel = IntValue(a.Value, "recursion_level", a.Position, 0, 320);
                    continue;
                }
                var setter = DirectoryAttributes.Setter(a.Name);
                if (setter is null)
                {
                    if (Schema.DirectoryOssecOnly.Contains(a.Name))
                    {
                        _ctx.Add(DiagnosticSeverity.Info, ConfigCodes.NotModelled, a.Position, $"Attribute '{a.Name}' of <directories> is not used by Hids; it is ignored.", null);
                        continue;
                    }
                    Err(ConfigCodes.UnknownAttribute, a.Position, $"Unknown attribute '{a.Name}' on <directories>.",
                        "Attributes: " + string.Join(", ", DirectoryAttributes.Names) + ", restrict, recursion_level." + Suggest.DidYouMean(a.Name, DirectoryAttributes.Names.Concat(new[] { "restrict", "recursion_level" })));
                    continue;
                }
                if (YesNoValue(a.Value, a.Name, a.Position) is bool b) setter(proto, b);
            }
            if (c.Text.Length == 0)
            {
                Err(ConfigCodes.EmptyValue, c.TextPosition, "<directories> names no directory.", "List one or more absolute paths separated by commas.");
                return;
            }
            foreach (var raw in c.Text.Split(','))
            {
                var path = raw.Trim();
                if (path.Length == 0) continue;
                if (!path.StartsWith('/'))
                {
                    Err(ConfigCodes.RelativePath, c.TextPosition, $"Directory '{path}' is not an absolute path.", $"Write the full path, e.g. /{path.TrimStart('.', '/')}.");
                    continue;
                }
                var d = DirectoryAttributes.Clone(proto);
                d.Path = path;
                var key = NormalizeDir(path);
                var prev = _cfg.Syscheck.Directories.FirstOrDefault(x => NormalizeDir(x.Path) == key);
                if (prev is not null)
                {
                    var where = prev.Source is null ? "" : $" (line {prev.Source.Line})";
                    if (DirectoryAttributes.SameOptions(prev, d))
                        Warn(ConfigCodes.DuplicateEntry, c.TextPosition, $"Directory '{path}' is listed twice{where}.", "Remove one of the entries.");
                    else
                        Err(ConfigCodes.ConflictingDirectory, c.TextPosition, $"Directory '{path}' is listed twice{where} with different options ({DirectoryAttributes.Describe(prev)} vs {DirectoryAttributes.Describe(d)}).",
                            "Keep one entry with the options you want (Add-HidsDirectory updates an entry in place).");
                    continue;
                }
                _cfg.Syscheck.Directories.Add(d);
            }
        }

        internal static string NormalizeDir(string p) => p.Length > 1 ? p.TrimEnd('/') : p;

        private void Rootcheck(XNode2 s)
        {
            NoAttributes(s);
            var r = _cfg.Rootcheck;
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "disabled": if (YesNo(c) is bool d) r.Disabled = d; break;
                    case "frequency": if (Int(c, 1, int.MaxValue, "seconds") is int f) r.Frequency = f; break;
                    case "rootkit_files": r.RootkitFiles = Text(c); break;
                    case "rootkit_trojans": r.RootkitTrojans = Text(c); break;
                    case "system_audit": if (Text(c) is string sa) r.SystemAudit.Add(sa); break;
                    case "check_files": if (YesNo(c) is bool cf) r.CheckFiles = cf; break;
                    case "check_trojans": if (YesNo(c) is bool ct) r.CheckTrojans = ct; break;
                    case "check_dev": if (YesNo(c) is bool cd) r.CheckDev = cd; break;
                    case "check_sys": if (YesNo(c) is bool cs) r.CheckSys = cs; break;
                    case "check_pids": if (YesNo(c) is bool cp) r.CheckPids = cp; break;
                    case "check_ports": if (YesNo(c) is bool cpo) r.CheckPorts = cpo; break;
                    case "check_if": if (YesNo(c) is bool ci) r.CheckIf = ci; break;
                    case "check_unixaudit": if (YesNo(c) is bool cu) r.CheckUnixAudit = cu; break;
                    case "scanall": if (YesNo(c) is bool all) r.ScanAll = all; break;
                    case "skip_nfs": if (YesNo(c) is bool nfs) r.SkipNfs = nfs; break;
                    case "base_directory": r.BasePath = AbsPath(c, "<base_directory>"); break;
                    case "ignore": if (IgnoreEntry(c, requireAbsolute: true) is IgnoreEntry ig) AddIgnore(r.Ignore, ig, c, "ignore"); break;
                    default: Unknown(c, "rootcheck", Schema.Rootcheck, Schema.RootcheckOssecOnly); break;
                }
            }
        }

        private void LocalFile(XNode2 s)
        {
            NoAttributes(s);
            var lf = new LocalFileOptions { Source = Info(s.Position) };
            XNode2? freqNode = null;
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "log_format":
                        if (Text(c) is string fmt)
                        {
                            if (fmt.StartsWith("multi-line:", StringComparison.Ordinal))
                            {
                                if (IntValue(fmt["multi-line:".Length..], "multi-line", c.TextPosition, 1, 1000) is not null) lf.LogFormat = fmt;
                            }
                            else if (Schema.LogFormats.Contains(fmt)) lf.LogFormat = fmt;
                            else Err(ConfigCodes.InvalidChoice, c.TextPosition, $"'{fmt}' is not a log format.", "Use one of: " + string.Join(", ", Schema.LogFormats) + ", multi-line:N." + Suggest.DidYouMean(fmt, Schema.LogFormats));
                        }
                        break;
                    case "location": lf.Location = Text(c); break;
                    case "command": lf.Command = Text(c); break;
                    case "frequency": freqNode = c; if (Int(c, 1, int.MaxValue, "seconds") is int f) lf.Frequency = f; break;
                    case "alias": lf.Alias = Text(c); break;
                    case "only-future-events": if (YesNo(c) is bool o) lf.OnlyFutureEvents = o; break;
                    default: Unknown(c, "localfile", Schema.LocalFile, Schema.LocalFileOssecOnly); break;
                }
            }
            bool isCommand = lf.LogFormat is "command" or "full_command";
            if (isCommand)
            {
                if (lf.Command is null && !s.Elements("command").Any())
                    Err(ConfigCodes.MissingElement, s.Position, $"<localfile> with log_format {lf.LogFormat} has no <command>.", "Add <command>the command line</command>.");
            }
            else
            {
                if (lf.Command is not null)
                    Warn(ConfigCodes.MissingElement, s.Position, $"<localfile> has a <command> but log_format is {lf.LogFormat}; the command is not run.", "Use <log_format>full_command</log_format> (or command) for command monitoring.");
                if (lf.Location is null)
                {
                    if (!s.Elements("location").Any())
                        Err(ConfigCodes.MissingElement, s.Position, "<localfile> has no <location>.", "Add <location>/var/log/the.log</location>.");
                }
                else if (lf.LogFormat is not ("eventlog" or "eventchannel") && !lf.Location.StartsWith('/'))
                {
                    Err(ConfigCodes.RelativePath, s.Element("location")!.TextPosition, $"Log file '{lf.Location}' is not an absolute path.", "Write the full path, e.g. /var/log/syslog.");
                    lf.Location = null;
                }
                if (freqNode is not null)
                    Warn(ConfigCodes.NotModelled, freqNode.Position, "<frequency> only applies to command monitoring; it is ignored here.", null);
            }
            if (lf.Key.Length > 0 && _cfg.LocalFiles.Any(x => x.Key == lf.Key && x.LogFormat == lf.LogFormat))
            {
                Warn(ConfigCodes.DuplicateEntry, s.Position, $"'{lf.Key}' is monitored twice.", "Remove one of the <localfile> blocks.");
                return;
            }
            if (lf.Location is not null || lf.Command is not null) _cfg.LocalFiles.Add(lf);
        }

        private void Command(XNode2 s)
        {
            NoAttributes(s);
            var cmd = new CommandOptions { Source = Info(s.Position) };
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "name": cmd.Name = Text(c) ?? ""; break;
                    case "executable": cmd.Executable = Text(c) ?? ""; break;
                    case "expect":
                        var ex = Text(c, required: false) ?? "";
                        foreach (var part in SplitList(ex, ','))
                            if (part is not ("srcip" or "user" or "filename"))
                                Err(ConfigCodes.InvalidChoice, c.TextPosition, $"'{part}' is not something a command can expect.", "Use srcip, user or both (srcip,user)." + Suggest.DidYouMean(part, new[] { "srcip", "user" }));
                        cmd.Expect = ex;
                        break;
                    case "timeout_allowed": if (YesNo(c) is bool t) cmd.TimeoutAllowed = t; break;
                    case "extra_args": if (Text(c) is string ea) cmd.ExtraArgs.AddRange(ea.Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
                    default: Unknown(c, "command", Schema.Command); break;
                }
            }
            if (cmd.Name.Length == 0)
            {
                if (!s.Elements("name").Any()) Err(ConfigCodes.MissingElement, s.Position, "<command> has no <name>.", "Add <name>host-deny</name> (the name active responses refer to).");
                return;
            }
            if (cmd.Executable.Length == 0 && !s.Elements("executable").Any())
                Err(ConfigCodes.MissingElement, s.Position, $"<command> '{cmd.Name}' has no <executable>.", "Add <executable>host-deny.sh</executable>.");
            if (_commandPos.TryGetValue(cmd.Name, out var first))
            {
                Err(ConfigCodes.DuplicateCommand, s.Position, $"Command '{cmd.Name}' is defined twice (first at line {first.Line}).", "Give each <command> a unique <name>, or remove one.");
                return;
            }
            _commandPos[cmd.Name] = s.Position;
            _cfg.Commands.Add(cmd);
        }

        private void ActiveResponse(XNode2 s)
        {
            NoAttributes(s);
            var ar = new ActiveResponseOptions { Source = Info(s.Position) };
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "disabled": if (YesNo(c) is bool d) ar.Disabled = d; break;
                    case "command": ar.Command = Text(c) ?? ""; break;
                    case "location": if (Choice(c, "local", "server", "defined-agent", "all") is string loc) ar.Location = loc; break;
                    case "agent_id": ar.AgentId = Text(c); break;
                    case "level": ar.Level = Level(c); break;
                    case "rules_id": ar.RulesId.AddRange(IntList(c, 0, int.MaxValue)); break;
                    case "rules_group": if (Text(c) is string g) ar.RulesGroup.AddRange(SplitList(g, ',', '|')); break;
                    case "timeout": ar.Timeout = Int(c, 1, int.MaxValue, "seconds"); break;
                    case "repeated_offenders": ar.RepeatedOffenders.AddRange(IntList(c, 1, int.MaxValue)); break;
                    default: Unknown(c, "active-response", Schema.ActiveResponse); break;
                }
            }
            if (ar.Command.Length == 0)
            {
                if (!ar.Disabled && !s.Elements("command").Any())
                    Err(ConfigCodes.MissingElement, s.Position, "<active-response> has no <command>.", "Add <command>firewall-drop</command> (a <command> name), or <disabled>yes</disabled>.");
                if (ar.Disabled) _cfg.ActiveResponses.Add(ar);
                return;
            }
            if (ar.Location == "defined-agent" && ar.AgentId is null)
                Err(ConfigCodes.MissingElement, s.Position, "<location>defined-agent</location> needs an <agent_id>.", "Add <agent_id>, or use <location>local</location>.");
            _ars.Add((ar, s.Element("command")!.TextPosition));
            _cfg.ActiveResponses.Add(ar);
        }

        private void Rules(XNode2 s)
        {
            NoAttributes(s);
            var r = _cfg.Rules;
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "include":
                        if (Text(c) is string inc)
                        {
                            if (r.Include.Contains(inc)) Warn(ConfigCodes.DuplicateEntry, c.Position, $"Rules file '{inc}' is included twice.", "Remove one <include>.");
                            else { r.Include.Add(inc); _ctx.RulePositions?.TryAdd(inc, c.Position); }
                        }
                        break;
                    case "rule":
                        // old spelling of <include>
                        if (Text(c) is string rule && !r.Include.Contains(rule)) r.Include.Add(rule);
                        break;
                    case "rule_dir":
                        NoAttributes(c, "pattern");
                        if (c.Text.Length == 0) Err(ConfigCodes.EmptyValue, c.TextPosition, "<rule_dir> is empty.", "Give a folder (relative to the instance or absolute).");
                        else r.RuleDir.Add(c.Text);
                        break;
                    case "decoder": if (Text(c) is string dec) { r.Decoder.Add(dec); _ctx.RulePositions?.TryAdd(dec, c.Position); } break;
                    case "decoder_dir":
                        NoAttributes(c, "pattern");
                        if (c.Text.Length == 0) Err(ConfigCodes.EmptyValue, c.TextPosition, "<decoder_dir> is empty.", "Give a folder (relative to the instance or absolute).");
                        else r.DecoderDir.Add(c.Text);
                        break;
                    case "exclude": if (Text(c) is string ex) r.Exclude.Add(ex); break;
                    case "list": if (Text(c) is string l) r.List.Add(l); break;
                    default: Unknown(c, "rules", Schema.Rules); break;
                }
            }
        }

        private void SyslogOutput(XNode2 s)
        {
            NoAttributes(s);
            var o = new SyslogOutputOptions { Source = Info(s.Position) };
            foreach (var c in s.Children)
            {
                switch (c.Name)
                {
                    case "server":
                        if (Text(c) is string srv)
                        {
                            if (srv.Any(char.IsWhiteSpace)) Err(ConfigCodes.InvalidAddress, c.TextPosition, $"'{srv}' is not a host name or address.", "Write the collector's address, e.g. 192.0.2.5.");
                            else o.Server = srv;
                        }
                        break;
                    case "port": if (Int(c, 1, 65535) is int p) o.Port = p; break;
                    case "protocol": if (Choice(c, "udp", "tcp") is string pr) o.Protocol = pr; break;
                    case "level": o.Level = Level(c); break;
                    case "group": if (Text(c) is string g) o.Group.AddRange(SplitList(g, ',', '|')); break;
                    case "rule_id": o.RuleIds.AddRange(IntList(c, 0, int.MaxValue)); break;
                    case "location": o.Location = Text(c); break;
                    case "format": if (Choice(c, "default", "cef", "json", "splunk") is string f) o.Format = f; break;
                    case "use_fqdn": YesNo(c); break;
                    default: Unknown(c, "syslog_output", Schema.SyslogOutput); break;
                }
            }
            if (o.Server.Length == 0 && !s.Elements("server").Any())
                Err(ConfigCodes.MissingElement, s.Position, "<syslog_output> has no <server>.", "Add <server>192.0.2.5</server>.");
            _cfg.SyslogOutputs.Add(o);
        }

        private void Hids(XNode2 s)
        {
            NoAttributes(s);
            foreach (var c in s.Children) HidsSetting(c);
        }

        private void HidsSetting(XNode2 c)
        {
            var h = _cfg.Hids; var g = _cfg.Global;
            {
                switch (c.Name)
                {
                    case "hosts_deny_path": if (AbsPath(c, "<hosts_deny_path>") is string hd) { h.HostsDenyPath = hd; g.HostsDenyPath = hd; } break;
                    case "smtp_port": if (Int(c, 1, 65535) is int port) g.SmtpPort = port; break;
                    case "smtp_security": if (Choice(c, "none", "starttls", "tls") is string sec) g.SmtpSecurity = sec; break;
                    case "smtp_user": g.SmtpUser = Text(c); break;
                    case "smtp_password_file":
                        g.SmtpPasswordFile = AbsPath(c, "<smtp_password_file>");
                        if (g.SmtpPasswordFile is { } pwf) CheckSecretFile(c, pwf);
                        break;
                    case "smtp_ca_file":
                        g.SmtpCaFile = AbsPath(c, "<smtp_ca_file>");
                        if (g.SmtpCaFile is { } caf) CheckPemFile(c, caf);
                        break;
                    case "smtp_cert_fingerprint":
                        if (Text(c) is string fp)
                        {
                            if (global::Hids.Engine.Alerts.SmtpSettings.NormalizeFingerprint(fp) is null)
                                Err(ConfigCodes.InvalidFingerprint, c.TextPosition, $"'{fp}' is not a SHA-256 certificate fingerprint (<smtp_cert_fingerprint>).",
                                    "Write the 64 hex digits of the server certificate's SHA-256 fingerprint (colons allowed), e.g. from Send-HidsTestEmail's CertificateSha256 or: openssl x509 -noout -fingerprint -sha256 -in server.pem");
                            else g.SmtpCertFingerprint = fp;
                        }
                        break;
                    case "alert_retention_days": if (Int(c, 0, 36500, "days") is int days) g.AlertRetentionDays = days; break;
                    case "max_line_length": if (Int(c, 256, 16 * 1024 * 1024, "bytes") is int ml) h.MaxLineLength = ml; break;
                    case "operational_log_max_bytes": if (Int(c, 4096, int.MaxValue, "bytes") is int ol) h.OperationalLogMaxBytes = ol; break;
                    case "firewall_backend": if (Choice(c, "auto", "nftables", "nft", "iptables", "none") is string fb) h.FirewallBackend = fb; break;
                    case "nft_table": h.NftTable = Text(c); break;
                    case "offence_window": if (Int(c, 1, 525_600, "minutes") is int ow) h.OffenceWindowMinutes = ow; break;
                    case "diff_size_limit": if (Int(c, 0, int.MaxValue, "bytes") is int dl) _cfg.Syscheck.DiffSizeLimit = dl; break;
                    case "syscheck_workers": if (Int(c, 0, 64) is int w) _cfg.Syscheck.Workers = w; break;
                    default: Unknown(c, "hids", Schema.Hids); break;
                }
            }
        }

        /// <summary>smtp_password_file: warn when missing or readable by others (the mail sender refuses such a file).</summary>
        private void CheckSecretFile(XNode2 c, string path)
        {
            if (!File.Exists(path))
            {
                Warn(ConfigCodes.ReferencedFile, c.TextPosition, $"<{c.Name}> {path} does not exist; mail that needs authentication stays queued.", $"Create it with the password on one line and mode 0600 (install -m 600 /dev/null {path}).");
                return;
            }
            if (OperatingSystem.IsWindows()) return;
            try
            {
                var mode = File.GetUnixFileMode(path);
                if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.GroupWrite)) != 0)
                    Warn(ConfigCodes.ReferencedFile, c.TextPosition, $"<{c.Name}> {path} is readable or writable by other users (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); Hids refuses to use it.", $"Run: chmod 600 {path}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }

        /// <summary>smtp_ca_file: warn when missing or holding no PEM certificate.</summary>
        private void CheckPemFile(XNode2 c, string path)
        {
            string hint = "Point it at a PEM file (-----BEGIN CERTIFICATE-----) holding your CA certificate, or the server's own self-signed certificate.";
            if (!File.Exists(path)) { Warn(ConfigCodes.ReferencedFile, c.TextPosition, $"<{c.Name}> {path} does not exist; TLS to the SMTP server trusts only the system CA store.", hint); return; }
            try
            {
                var col = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                col.ImportFromPemFile(path);
                if (col.Count == 0) Warn(ConfigCodes.ReferencedFile, c.TextPosition, $"<{c.Name}> {path} holds no PEM certificate.", hint);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                Warn(ConfigCodes.ReferencedFile, c.TextPosition, $"<{c.Name}> {path} cannot be read as PEM certificates: {ex.Message}", hint);
            }
        }

        public void CrossChecks()
        {
            foreach (var (ar, pos) in _ars)
            {
                if (ar.Disabled || _commandPos.ContainsKey(ar.Command)) continue;
                if (Schema.BuiltInCommands.Contains(ar.Command))
                    Warn(ConfigCodes.UndefinedCommand, pos, $"Active response uses '{ar.Command}', which no <command> defines; Hids uses its built-in definition.",
                        $"Add a <command> block named {ar.Command} to make it explicit (Install-Hids writes one).");
                else
                    Err(ConfigCodes.UndefinedCommand, pos, $"Active response uses command '{ar.Command}', which no <command> defines.",
                        "Define it with <command><name>...</name><executable>...</executable></command>." + Suggest.DidYouMean(ar.Command, _commandPos.Keys.Concat(Schema.BuiltInCommands)));
            }
            if (_cfg.Global.EmailNotification && _cfg.Global.EmailTo.Count == 0 && !_ctx.Diagnostics.Any(d => d.Code == ConfigCodes.InvalidEmail))
                Warn(ConfigCodes.MissingElement, new SourcePosition(_ctx.File, 0, 0), "E-mail notification is on but no <email_to> is set.", "Add <email_to> to <global> (Set-HidsEmail -To).");
        }
    }
}

/// <summary>The element names the loader knows, for validation and "did you mean" hints.</summary>
internal static class Schema
{
    public static readonly HashSet<string> Sections = new() { "global", "alerts", "email_alerts", "syscheck", "rootcheck", "localfile", "command", "active-response", "rules", "syslog_output", "hids" };
    /// <summary>Real OSSEC (and common Wazuh) sections that Hids reads past without error.</summary>
    public static readonly HashSet<string> OssecSections = new()
    {
        "remote", "client", "client_buffer", "wodle", "labels", "cluster", "auth", "database_output", "reports", "agentless",
        "integration", "csyslog_output", "prelude_output", "zeromq_output", "agent_config", "logging", "ruleset", "sca",
        "vulnerability-detector", "osquery", "syscollector", "rootcheck_policy", "open-scap", "cis-cat", "socket",
        "fluent-forward", "localfile_config", "krb5", "github", "office365", "gcp-pubsub", "anti_tampering", "agent-upgrade", "task-manager",
    };
    public static readonly string[] Global = { "email_notification", "email_to", "email_from", "smtp_server", "email_maxperhour", "email_idsname", "white_list", "logall", "logall_json", "jsonout_output", "alerts_log", "memory_size", "stats" };
    public static readonly string[] GlobalOssecOnly = { "host_information", "integrity_checking", "rootkit_detection", "picviz_output", "picviz_socket", "prelude_output", "prelude_profile", "prelude_log_level", "zeromq_output", "zeromq_uri", "zeromq_client_cert", "zeromq_server_cert", "geoip_db_path", "geoip6_db_path", "custom_alert_output", "email_reply_to", "max_output_size", "queue_size", "rotate_interval", "agents_disconnection_time", "agents_disconnection_alert_time", "update_check", "md5_allowlist", "md5_whitelist", "plain_output", "jsonout_output_full", "prelude", "email_log_source", "hostname", "agent_disconnection_time" };
    public static readonly string[] EmailAlerts = { "email_to", "level", "group", "rule_id", "event_location", "format", "do_not_delay", "do_not_group" };
    public static readonly string[] Syscheck = { "disabled", "frequency", "scan_on_start", "alert_new_files", "auto_ignore", "scan_time", "scan_day", "skip_nfs", "directories", "ignore", "nodiff" };
    public static readonly string[] SyscheckOssecOnly = { "windows_registry", "registry_ignore", "prefilter_cmd", "restart_audit", "windows_audit_interval", "whodata", "process_priority", "max_eps", "database", "synchronization", "file_limit", "diff", "max_files_per_second", "registry_limit", "allow_remote_prefilter_cmd", "scan_all", "nodiff_regex", "skip_dev", "skip_proc", "skip_sys" };
    public static readonly string[] DirectoryOssecOnly = { "whodata", "follow_symbolic_link", "tags", "check_attrs", "report_changes_size", "diff_size_limit", "check_sha512sum", "check_size_limit", "recursion" };
    public static readonly string[] Rootcheck = { "disabled", "frequency", "rootkit_files", "rootkit_trojans", "system_audit", "check_files", "check_trojans", "check_dev", "check_sys", "check_pids", "check_ports", "check_if", "check_unixaudit", "scanall", "skip_nfs", "base_directory", "ignore" };
    public static readonly string[] RootcheckOssecOnly = { "windows_audit", "windows_apps", "windows_malware", "check_winapps", "check_winaudit", "check_winmalware", "check_policy", "readall", "check_unixaudit", "process_priority" };
    public static readonly string[] LocalFile = { "log_format", "location", "command", "frequency", "alias", "only-future-events" };
    public static readonly string[] LocalFileOssecOnly = { "query", "label", "target", "out_format", "age", "ignore_binaries", "reconnect_time", "exclude", "multiline_regex", "ignore", "restrict", "nodiff", "max-size" };
    public static readonly HashSet<string> LogFormats = new() { "syslog", "snort-full", "snort-fast", "squid", "iis", "eventlog", "eventchannel", "mysql_log", "postgresql_log", "nmapg", "apache", "command", "full_command", "djb-multilog", "json", "audit", "ossecalert", "multi-line-regex", "macos" };
    public static readonly string[] Command = { "name", "executable", "expect", "timeout_allowed", "extra_args" };
    public static readonly string[] ActiveResponse = { "disabled", "command", "location", "agent_id", "level", "rules_id", "rules_group", "timeout", "repeated_offenders" };
    public static readonly string[] Rules = { "include", "rule", "rule_dir", "decoder", "decoder_dir", "exclude", "list" };
    public static readonly string[] SyslogOutput = { "server", "port", "protocol", "level", "group", "rule_id", "location", "format", "use_fqdn" };
    public static readonly string[] Hids = { "hosts_deny_path", "smtp_port", "smtp_security", "smtp_user", "smtp_password_file", "smtp_ca_file", "smtp_cert_fingerprint", "alert_retention_days", "max_line_length", "operational_log_max_bytes", "firewall_backend", "nft_table", "diff_size_limit", "syscheck_workers", "offence_window" };
    public static readonly HashSet<string> BuiltInCommands = new() { "host-deny", "firewall-drop", "disable-account", "route-null" };
}

/// <summary>The yes/no attributes of &lt;directories&gt; mapped onto <see cref="DirectoryOptions"/>.</summary>
public static class DirectoryAttributes
{
    private static readonly (string Name, Func<DirectoryOptions, bool> Get, Action<DirectoryOptions, bool> Set)[] Map =
    {
        ("report_changes", d => d.ReportChanges, (d, v) => d.ReportChanges = v),
        ("realtime", d => d.Realtime, (d, v) => d.Realtime = v),
        ("check_all", d => d.CheckAll, (d, v) => d.CheckAll = v),
        ("check_sum", d => d.CheckSum, (d, v) => d.CheckSum = v),
        ("check_sha1sum", d => d.CheckSha1Sum, (d, v) => d.CheckSha1Sum = v),
        ("check_md5sum", d => d.CheckMd5Sum, (d, v) => d.CheckMd5Sum = v),
        ("check_sha256sum", d => d.CheckSha256Sum, (d, v) => d.CheckSha256Sum = v),
        ("check_size", d => d.CheckSize, (d, v) => d.CheckSize = v),
        ("check_owner", d => d.CheckOwner, (d, v) => d.CheckOwner = v),
        ("check_group", d => d.CheckGroup, (d, v) => d.CheckGroup = v),
        ("check_perm", d => d.CheckPerm, (d, v) => d.CheckPerm = v),
        ("check_mtime", d => d.CheckMtime, (d, v) => d.CheckMtime = v),
        ("check_inode", d => d.CheckInode, (d, v) => d.CheckInode = v),
        ("no_recurse", d => d.NoRecurse, (d, v) => d.NoRecurse = v),
    };

    /// <summary>Every yes/no attribute name, in the order Hids writes them.</summary>
    public static IReadOnlyList<string> Names { get; } = Map.Select(m => m.Name).ToArray();
    /// <summary>The check_* names (for -Check).</summary>
    public static IReadOnlyList<string> CheckNames { get; } = Map.Where(m => m.Name.StartsWith("check_", StringComparison.Ordinal)).Select(m => m.Name).ToArray();

    public static Action<DirectoryOptions, bool>? Setter(string name) => Map.FirstOrDefault(m => m.Name == name).Set;
    public static bool Get(DirectoryOptions d, string name) => Map.First(m => m.Name == name).Get(d);

    public static DirectoryOptions Clone(DirectoryOptions d)
    {
        var c = new DirectoryOptions { Path = d.Path, Restrict = d.Restrict, RecursionLevel = d.RecursionLevel, Source = d.Source };
        foreach (var m in Map) m.Set(c, m.Get(d));
        return c;
    }

    public static bool SameOptions(DirectoryOptions a, DirectoryOptions b)
        => Map.All(m => m.Get(a) == m.Get(b)) && a.Restrict == b.Restrict && a.RecursionLevel == b.RecursionLevel;

    /// <summary>The attributes that are on, as written in XML (e.g. report_changes="yes" realtime="yes" check_all="yes").</summary>
    public static string Describe(DirectoryOptions d)
    {
        var parts = Map.Where(m => m.Get(d)).Select(m => $"{m.Name}=\"yes\"").ToList();
        if (d.Restrict is not null) parts.Add($"restrict=\"{d.Restrict}\"");
        if (d.RecursionLevel is int r) parts.Add($"recursion_level=\"{r}\"");
        return parts.Count == 0 ? "no checks" : string.Join(" ", parts);
    }
}

internal static class Net
{
    public static bool IsAddressOrCidr(string v)
    {
        var slash = v.IndexOf('/');
        var addr = slash < 0 ? v : v[..slash];
        if (!IPAddress.TryParse(addr, out var ip)) return false;
        if (slash < 0) return true;
        var max = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        return int.TryParse(v[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits >= 0 && bits <= max;
    }
}

/// <summary>"Did you mean" suggestions by edit distance.</summary>
public static class Suggest
{
    public static string DidYouMean(string word, IEnumerable<string> candidates)
    {
        var best = Closest(word, candidates);
        return best is null ? "" : $" Did you mean '{best}'?";
    }

    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null; int bestD = int.MaxValue;
        foreach (var c in candidates.Distinct())
        {
            if (c == word) continue;
            int d = Distance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestD) { bestD = d; best = c; }
        }
        int limit = Math.Max(2, word.Length / 3);
        return bestD <= limit ? best : null;
    }

    public static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
