using System.Globalization;
using System.Text;
using Hids.Engine.Analysis.Matching;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Xml;

namespace Hids.Engine.Analysis;

/// <summary>The outcome of loading decoders and rules: the ruleset (usable even with errors: the bad parts are
/// left out) and typed diagnostics with file:line.</summary>
public sealed class RulesetLoadResult
{
    public RulesetLoadResult(Ruleset ruleset, IReadOnlyList<HidsDiagnostic> diagnostics)
    { Ruleset = ruleset; Diagnostics = diagnostics; }
    public Ruleset Ruleset { get; }
    public IReadOnlyList<HidsDiagnostic> Diagnostics { get; }
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>
/// Loads OSSEC decoders and rules in three steps, like falco's rule loader: read (tolerant XML, variables),
/// collect (decoder and rule definitions with positions), compile (patterns, decoder lists, rule tree), each step
/// reporting typed diagnostics (HIDS2xxx) instead of stopping at the first problem.
/// </summary>
public static class RulesetLoader
{
    // Diagnostic codes (documented in docs/analysis.md)
    public const string XmlError = "HIDS2001";
    public const string FileMissing = "HIDS2002";
    public const string VariableError = "HIDS2003";
    public const string UnknownDecoderElement = "HIDS2010";
    public const string InvalidDecoder = "HIDS2011";
    public const string DecoderParentMissing = "HIDS2012";
    public const string DecoderPatternError = "HIDS2013";
    public const string InvalidDecoderValue = "HIDS2014";
    public const string UnknownRuleElement = "HIDS2020";
    public const string InvalidRuleAttribute = "HIDS2021";
    public const string DuplicateRuleId = "HIDS2022";
    public const string UndefinedIfSid = "HIDS2023";
    public const string RulePatternError = "HIDS2024";
    public const string OverwriteTargetMissing = "HIDS2025";
    public const string UnknownDecodedAs = "HIDS2026";
    public const string IfGroupOrLevelUnmatched = "HIDS2027";
    public const string InvalidRuleValue = "HIDS2028";
    public const string InvalidRoot = "HIDS2029";

    /// <summary>Decoder names OSSEC defines internally (syscheck, rootcheck, host information).</summary>
    public static readonly string[] BuiltinDecoders =
    {
        "rootcheck", "syscheck_integrity_changed", "syscheck_integrity_changed_2nd", "syscheck_integrity_changed_3rd",
        "syscheck_new_entry", "syscheck_deleted", "hostinfo_new", "hostinfo_modified",
    };

    internal static readonly string[] PluginDecoderNames = { "OSSECAlert_Decoder", "PF_Decoder", "SymantecWS_Decoder", "SonicWall_Decoder" };
    internal static readonly string[] CompiledRuleNames = { "comp_srcuser_dstuser", "check_id_size", "comp_mswin_targetuser_calleruser_diff", "is_simple_http_request", "is_valid_crawler" };

    /// <summary>
    /// Loads a folder laid out like an OSSEC installation's ruleset: decoder.xml (+ local_decoder.xml), and the rule
    /// files named by ossec.conf's &lt;rules&gt;&lt;include&gt; list (looked up in rules/ then the folder). Without an
    /// ossec.conf: every *decoder*.xml, then every rule file in name order (rules_config.xml first, local_rules.xml last).
    /// </summary>
    public static RulesetLoadResult LoadFolder(string folder)
    {
        var diags = new List<HidsDiagnostic>();
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
        {
            diags.Add(Diag(DiagnosticSeverity.Error, FileMissing, folder, 0, 0, $"Ruleset folder '{folder}' does not exist.", "Pass a folder holding decoder.xml and rules/."));
            return new RulesetLoadResult(new Ruleset(), diags);
        }
        var rulesDir = Directory.Exists(Path.Combine(folder, "rules")) ? Path.Combine(folder, "rules") : folder;
        var decoders = new List<string>();
        var rules = new List<string>();
        var conf = Path.Combine(folder, "ossec.conf");
        List<string>? includes = null;
        List<string> confDecoders = new();
        if (File.Exists(conf))
        {
            try
            {
                foreach (var root in OssecXmlReader.ReadFile(conf))
                    foreach (var r in root.Elements("rules"))
                    {
                        includes ??= new List<string>();
                        foreach (var c in r.Children)
                        {
                            if (c.Name == "include" && c.Text.Length > 0) includes.Add(c.Text);
                            else if (c.Name == "decoder" && c.Text.Length > 0) confDecoders.Add(c.Text);
                        }
                    }
            }
            catch (OssecXmlException ex)
            {
                diags.Add(Diag(DiagnosticSeverity.Error, XmlError, ex.Position.File, ex.Position.Line, ex.Position.Column, ex.Message, ex.Hint));
            }
        }
        if (includes != null)
        {
            foreach (var inc in includes)
            {
                var p = FindIn(inc, rulesDir, folder);
                if (p == null)
                    diags.Add(Diag(DiagnosticSeverity.Error, FileMissing, conf, 0, 0, $"Included rule file '{inc}' not found in {rulesDir}.", "Remove the <include> or add the file."));
                else rules.Add(p);
            }
            foreach (var d in confDecoders)
            {
                var p = FindIn(d, folder, rulesDir);
                if (p != null) decoders.Add(p);
            }
            if (decoders.Count == 0)
            {
                var main = FindIn("decoder.xml", folder, Path.Combine(folder, "etc"));
                if (main != null) decoders.Add(main);
            }
            var local = FindIn("local_decoder.xml", folder, Path.Combine(folder, "etc"));
            if (local != null && !decoders.Contains(local)) decoders.Add(local);
        }
        else
        {
            decoders.AddRange(Directory.GetFiles(folder, "*decoder*.xml").OrderBy(f => Path.GetFileName(f) == "local_decoder.xml" ? 1 : 0).ThenBy(f => f, StringComparer.Ordinal));
            var ruleFiles = Directory.GetFiles(rulesDir, "*.xml").Where(f => !Path.GetFileName(f).Contains("decoder", StringComparison.Ordinal));
            rules.AddRange(ruleFiles
                .OrderBy(f => Path.GetFileName(f) switch { "rules_config.xml" => 0, "local_rules.xml" => 2, _ => 1 })
                .ThenBy(f => Path.GetFileName(f), StringComparer.Ordinal));
        }
        return LoadFiles(decoders, rules, diags);
    }

    private static string? FindIn(string name, params string[] dirs)
    {
        if (Path.IsPathRooted(name)) return File.Exists(name) ? name : null;
        foreach (var d in dirs)
        {
            var p = Path.Combine(d, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>
    /// Loads an instance's configured rules: decoders rules/decoder.xml then etc/local_decoder.xml (and etc/decoders/*.xml),
    /// rule files from ossec.conf's &lt;rules&gt; (files in rules/, except local_rules.xml which is etc/local_rules.xml).
    /// </summary>
    public static RulesetLoadResult LoadInstance(InstancePaths paths, HidsConfiguration? configuration)
    {
        var (decoders, rules, missing) = ResolveInstanceFiles(paths, configuration?.Rules);
        var diags = new List<HidsDiagnostic>();
        foreach (var m in missing)
            diags.Add(Diag(DiagnosticSeverity.Error, FileMissing, paths.OssecConf, 0, 0, $"Rule file '{m}' named in <rules> was not found.", $"Add it to {paths.RulesDir} or remove the <include>."));
        return LoadFiles(decoders, rules, diags);
    }

    /// <summary>Loads an instance's rules reading the &lt;rules&gt; section of its etc/ossec.conf directly.</summary>
    public static RulesetLoadResult LoadInstance(InstancePaths paths)
    {
        var opts = new RulesOptions();
        var diags = new List<HidsDiagnostic>();
        if (File.Exists(paths.OssecConf))
        {
            try
            {
                foreach (var root in OssecXmlReader.Read(File.ReadAllText(paths.OssecConf), paths.OssecConf, skipStrayText: true))
                    foreach (var r in root.Name == "rules" ? new[] { root } : root.Elements("rules"))
                        foreach (var c in r.Children)
                            switch (c.Name)
                            {
                                case "include": opts.Include.Add(c.Text); break;
                                case "rule_dir": opts.RuleDir.Add(c.Text); break;
                                case "decoder": opts.Decoder.Add(c.Text); break;
                                case "decoder_dir": opts.DecoderDir.Add(c.Text); break;
                                case "exclude": opts.Exclude.Add(c.Text); break;
                                case "list": opts.List.Add(c.Text); break;
                            }
            }
            catch (OssecXmlException ex)
            {
                diags.Add(Diag(DiagnosticSeverity.Error, XmlError, ex.Position.File, ex.Position.Line, ex.Position.Column, ex.Message, ex.Hint));
            }
        }
        var result = LoadInstance(paths, new HidsConfiguration { Rules = opts });
        return diags.Count == 0 ? result : new RulesetLoadResult(result.Ruleset, diags.Concat(result.Diagnostics).ToList());
    }

    /// <summary>How an instance's &lt;rules&gt; options map onto files (kept in one place so the configuration's
    /// own resolution can replace it).</summary>
    internal static (List<string> Decoders, List<string> Rules, List<string> Missing) ResolveInstanceFiles(InstancePaths paths, RulesOptions? options)
    {
        options ??= new RulesOptions();
        List<string> decoders, rules, missing;
        if (options.Include.Count > 0 || options.RuleDir.Count > 0)
        {
            // the configuration's resolution, shared with the monitor and Test-HidsConfiguration
            var set = RulesPaths.Resolve(paths, options);
            decoders = set.DecoderFiles.ToList();
            rules = set.RuleFiles.ToList();
            missing = set.Missing.Where(m => m != paths.LocalRules && m != paths.LocalDecoders).Select(m => Path.GetFileName(m)).ToList();
            decoders.RemoveAll(d => !File.Exists(d));
            rules.RemoveAll(r => !File.Exists(r));
        }
        else
        {
            // no <rules> in ossec.conf: every rule file of rules/ (rules_config.xml first), then etc/local_rules.xml
            decoders = new List<string>();
            rules = new List<string>();
            missing = new List<string>();
            var main = Path.Combine(paths.RulesDir, "decoder.xml");
            if (File.Exists(main)) decoders.Add(main);
            if (File.Exists(paths.LocalDecoders)) decoders.Add(paths.LocalDecoders);
            if (Directory.Exists(paths.RulesDir))
                rules.AddRange(Directory.GetFiles(paths.RulesDir, "*.xml")
                    .Where(f => !Path.GetFileName(f).Contains("decoder", StringComparison.Ordinal) && !options.Exclude.Contains(Path.GetFileName(f)))
                    .OrderBy(f => Path.GetFileName(f) == "rules_config.xml" ? 0 : 1).ThenBy(f => f, StringComparer.Ordinal));
            if (File.Exists(paths.LocalRules)) rules.Add(paths.LocalRules);
        }
        // etc/decoders/*.xml (the user's decoder folder) go before etc/local_decoder.xml
        if (Directory.Exists(paths.DecodersDir))
        {
            int at = decoders.IndexOf(paths.LocalDecoders);
            if (at < 0) at = decoders.Count;
            decoders.InsertRange(at, Directory.GetFiles(paths.DecodersDir, "*.xml").OrderBy(f => f, StringComparer.Ordinal).Where(f => !decoders.Contains(f)));
        }
        return (decoders, rules, missing);
    }

    /// <summary>Loads the given decoder files then rule files, in order.</summary>
    public static RulesetLoadResult LoadFiles(IEnumerable<string> decoderFiles, IEnumerable<string> ruleFiles)
        => LoadFiles(decoderFiles, ruleFiles, new List<HidsDiagnostic>());

    /// <summary>Loads the given files in order; a file named in <paramref name="replacements"/> is read from there
    /// instead of the disk (a change is validated before it is written), its diagnostics still naming the file.</summary>
    public static RulesetLoadResult LoadFiles(IEnumerable<string> decoderFiles, IEnumerable<string> ruleFiles, IReadOnlyDictionary<string, string> replacements)
        => LoadFiles(decoderFiles, ruleFiles, new List<HidsDiagnostic>(), replacements);

    private static RulesetLoadResult LoadFiles(IEnumerable<string> decoderFiles, IEnumerable<string> ruleFiles, List<HidsDiagnostic> diags,
        IReadOnlyDictionary<string, string>? replacements = null)
    {
        var c = new Compiler(diags);
        var dfiles = decoderFiles.ToList();
        var rfiles = ruleFiles.ToList();
        c.Set.DecoderFiles = dfiles;
        c.Set.RuleFiles = rfiles;
        foreach (var f in dfiles)
        {
            var roots = replacements is not null && replacements.TryGetValue(f, out var text) ? c.ReadText(text, f) : c.Read(f);
            if (roots != null) c.AddDecoderFile(f, roots);
        }
        c.FinishDecoders();
        foreach (var f in rfiles)
        {
            var roots = replacements is not null && replacements.TryGetValue(f, out var text) ? c.ReadText(text, f) : c.Read(f);
            if (roots != null) c.AddRuleFile(f, roots);
        }
        c.FinishRules();
        return new RulesetLoadResult(c.Set, diags);
    }

    /// <summary>Loads decoders and rules from XML text (tests, Set-HidsRule validation).</summary>
    public static RulesetLoadResult LoadText(IEnumerable<(string Name, string Xml)> decoderTexts, IEnumerable<(string Name, string Xml)> ruleTexts)
    {
        var diags = new List<HidsDiagnostic>();
        var c = new Compiler(diags);
        foreach (var (name, xml) in decoderTexts) { var r = c.ReadText(xml, name); if (r != null) c.AddDecoderFile(name, r); }
        c.FinishDecoders();
        foreach (var (name, xml) in ruleTexts) { var r = c.ReadText(xml, name); if (r != null) c.AddRuleFile(name, r); }
        c.FinishRules();
        return new RulesetLoadResult(c.Set, diags);
    }

    internal static HidsDiagnostic Diag(DiagnosticSeverity sev, string code, string file, int line, int col, string msg, string? hint = null)
        => new() { Severity = sev, Code = code, File = file, Line = line, Column = col, Message = msg, Hint = hint };

    internal static EventCategory? ParseCategory(string s) => s switch
    {
        "syslog" => EventCategory.Syslog,
        "firewall" => EventCategory.Firewall,
        "ids" => EventCategory.Ids,
        "web-log" => EventCategory.WebLog,
        "squid" => EventCategory.Squid,
        "windows" => EventCategory.Windows,
        "host-information" => EventCategory.HostInformation,
        "ossec" => EventCategory.Ossec,
        _ => null,
    };

    // ------------------------------------------------------------------------------------------------ compiler
    private sealed class Compiler
    {
        private readonly List<HidsDiagnostic> _d;
        public readonly Ruleset Set = new();
        private readonly int _defaultTimeframe = 360;

        public Compiler(List<HidsDiagnostic> d) { _d = d; }

        private void Err(string code, SourcePosition p, string msg, string? hint = null) => _d.Add(Diag(DiagnosticSeverity.Error, code, p.File, p.Line, p.Column, msg, hint));
        private void Warn(string code, SourcePosition p, string msg, string? hint = null) => _d.Add(Diag(DiagnosticSeverity.Warning, code, p.File, p.Line, p.Column, msg, hint));

        public IReadOnlyList<XNode2>? Read(string file)
        {
            if (!File.Exists(file))
            {
                _d.Add(Diag(DiagnosticSeverity.Error, FileMissing, file, 0, 0, $"File '{file}' does not exist."));
                return null;
            }
            string text;
            try { text = File.ReadAllText(file); }
            catch (Exception ex) { _d.Add(Diag(DiagnosticSeverity.Error, FileMissing, file, 0, 0, $"Cannot read '{file}': {ex.Message}")); return null; }
            return ReadText(text, file);
        }

        public IReadOnlyList<XNode2>? ReadText(string text, string file)
        {
            try
            {
                var roots = OssecXmlReader.Read(text, file, skipStrayText: true);
                return ApplyVariables(roots);
            }
            catch (OssecXmlException ex)
            {
                _d.Add(Diag(DiagnosticSeverity.Error, XmlError, ex.Position.File, ex.Position.Line, ex.Position.Column, ex.Message, ex.Hint));
                return null;
            }
        }

        // <var name="X">value</var> at the root; $X in later element text and attribute values.
        private IReadOnlyList<XNode2> ApplyVariables(IReadOnlyList<XNode2> roots)
        {
            var vars = new Dictionary<string, string>(StringComparer.Ordinal);
            var result = new List<XNode2>();
            foreach (var r in roots)
            {
                if (r.Name == "var")
                {
                    var name = r.Attr("name");
                    if (string.IsNullOrEmpty(name)) { Err(VariableError, r.Position, "<var> without a name attribute.", "Write <var name=\"NAME\">value</var>."); continue; }
                    vars[name] = Substitute(r.Text, vars, r);
                    continue;
                }
                if (vars.Count > 0) SubstituteTree(r, vars);
                result.Add(r);
            }
            return result;
        }

        private void SubstituteTree(XNode2 n, Dictionary<string, string> vars)
        {
            if (n.Text.Contains('$')) SetText(n, Substitute(n.Text, vars, n));
            if (n.RawText.Contains('$')) n.RawText = Substitute(n.RawText, vars, n);
            for (int i = 0; i < n.Attributes.Count; i++)
            {
                var a = n.Attributes[i];
                if (a.Value.Contains('$')) n.Attributes[i] = a with { Value = Substitute(a.Value, vars, n) };
            }
            foreach (var c in n.Children) SubstituteTree(c, vars);
        }

        private static void SetText(XNode2 n, string text) => n.Text = text;

        // OSSEC keeps a pattern's spaces ("<regex>^\S+ [error] </regex>"); multi-line values are trimmed.
        private static string PatternText(XNode2 e) => e.RawText.Contains('\n') || e.RawText.Length == 0 ? e.Text : e.RawText;

        private static string Substitute(string s, Dictionary<string, string> vars, XNode2 at)
        {
            if (!s.Contains('$')) return s;
            var sb = new StringBuilder(s.Length + 32);
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] == '$')
                {
                    int j = i + 1;
                    while (j < s.Length && (char.IsAsciiLetterOrDigit(s[j]) || s[j] == '_' || s[j] == '-')) j++;
                    if (j > i + 1)
                    {
                        var name = s[(i + 1)..j];
                        // longest defined prefix wins
                        string? val = null; int used = 0;
                        for (int k = name.Length; k > 0; k--)
                            if (vars.TryGetValue(name[..k], out val)) { used = k; break; }
                        if (val != null) { sb.Append(val); i += used; continue; }
                    }
                }
                sb.Append(s[i]);
            }
            return sb.ToString();
        }

        // -------------------------------------------------------------------------------------------- decoders
        private readonly Dictionary<string, int> _decoderPosition = new();

        public void AddDecoderFile(string file, IReadOnlyList<XNode2> roots)
        {
            foreach (var n in roots)
            {
                if (n.Name != "decoder")
                {
                    Err(InvalidRoot, n.Position, $"Invalid element <{n.Name}> in a decoder file: only <decoder> is allowed at the top.", "Wrap decoders in <decoder name=\"...\"> elements.");
                    continue;
                }
                try { AddDecoder(n); }
                catch (PatternException ex) { Err(DecoderPatternError, n.Position, $"Decoder pattern does not compile: {ex.Message}"); }
            }
        }

        private static readonly HashSet<string> DecoderElements = new()
        {
            "parent", "program_name", "program_name_pcre2", "prematch", "prematch_pcre2", "regex", "pcre2", "order", "type", "fts",
            "ftscomment", "use_own_name", "plugin_decoder", "accumulate",
        };

        private void AddDecoder(XNode2 n)
        {
            var name = n.Attr("name");
            if (string.IsNullOrEmpty(name)) { Err(InvalidDecoder, n.Position, "<decoder> without a name attribute.", "Write <decoder name=\"my-decoder\">."); return; }
            foreach (var a in n.Attributes)
                if (a.Name != "name" && a.Name != "status" && a.Name != "id")
                    Warn(InvalidDecoder, a.Position, $"Unknown attribute '{a.Name}' on decoder '{name}' (ignored).");
            var d = new DecoderDefinition { Name = name, OwnName = name, File = n.Position.File, Line = n.Position.Line };
            string? prematch = null, prematchP = null, regex = null, regexP = null, pname = null, pnameP = null;
            bool bad = false;
            foreach (var e in n.Children)
            {
                var t = e.Name is "regex" or "pcre2" or "prematch" or "prematch_pcre2" or "program_name" or "program_name_pcre2" ? PatternText(e) : e.Text;
                switch (e.Name)
                {
                    case "parent": d.Parent = (d.Parent ?? "") + t; break;
                    case "regex":
                    case "pcre2":
                        {
                            var off = ReadOffset(e, name, ref bad);
                            bool isP = e.Name == "pcre2" || e.Attr("type") == "pcre2";
                            if ((isP ? regexP : regex) != null && off != RegexOffset.None) { Err(InvalidDecoderValue, e.Position, $"Decoder '{name}': only the first <{e.Name}> may have an offset."); bad = true; }
                            if (off != RegexOffset.None) d.RegexOffset = off;
                            if (isP) regexP = (regexP ?? "") + t; else regex = (regex ?? "") + t;
                            break;
                        }
                    case "prematch":
                    case "prematch_pcre2":
                        {
                            var off = ReadOffset(e, name, ref bad);
                            if (off != RegexOffset.None && off != RegexOffset.AfterParent) { Err(InvalidDecoderValue, e.Position, $"Decoder '{name}': a prematch offset can only be after_parent."); bad = true; }
                            if (off == RegexOffset.AfterParent) d.PrematchAfterParent = true;
                            bool isP = e.Name == "prematch_pcre2" || e.Attr("type") == "pcre2";
                            if (isP) prematchP = (prematchP ?? "") + t; else prematch = (prematch ?? "") + t;
                            break;
                        }
                    case "program_name": pname = (pname ?? "") + t; break;
                    case "program_name_pcre2": pnameP = (pnameP ?? "") + t; break;
                    case "ftscomment": break;
                    case "use_own_name": if (t == "true" || t == "yes") d.UseOwnName = true; break;
                    case "accumulate": d.Accumulate = true; break;
                    case "plugin_decoder":
                        if (!PluginDecoderNames.Contains(t)) { Err(InvalidDecoderValue, e.TextPosition, $"Unknown plugin decoder '{t}'.", $"Known: {string.Join(", ", PluginDecoderNames)}."); bad = true; }
                        else d.PluginDecoder = t;
                        break;
                    case "type":
                        {
                            var c = ParseCategory(t);
                            if (c == null) { Err(InvalidDecoderValue, e.TextPosition, $"Invalid decoder type '{t}'.", "Use syslog, firewall, ids, web-log, squid, windows, host-information or ossec."); bad = true; }
                            else d.Type = c.Value;
                            break;
                        }
                    case "order":
                        {
                            var parts = t.Split(',', StringSplitOptions.TrimEntries);
                            var fields = new List<DecoderField>();
                            foreach (var p in parts.Take(8))
                            {
                                var f = OrderField(p);
                                if (f == null) { Err(InvalidDecoderValue, e.TextPosition, $"Wrong field '{p}' in the order of decoder '{name}'.", "Fields: srcip, dstip, srcport, dstport, protocol, action, id, url, data, extra_data, status, system_name, user, srcuser, dstuser."); bad = true; f = DecoderField.None; }
                                fields.Add(f.Value);
                            }
                            d.Fields = fields.ToArray();
                            d.Order = parts;
                            break;
                        }
                    case "fts":
                        {
                            var parts = t.Split(',', StringSplitOptions.TrimEntries);
                            foreach (var p in parts)
                            {
                                var f = FtsField(p);
                                if (f == FtsFields.None) { Err(InvalidDecoderValue, e.TextPosition, $"Wrong field '{p}' in the fts of decoder '{name}'."); bad = true; }
                                d.FtsMask |= f;
                            }
                            d.Fts = parts;
                            break;
                        }
                    default:
                        Err(UnknownDecoderElement, e.Position, $"Invalid element <{e.Name}> in decoder '{name}'.", Suggest(e.Name, DecoderElements));
                        bad = true;
                        break;
                }
            }
            if (prematch == null && prematchP == null && d.Parent == null && pname == null && pnameP == null)
            { Err(InvalidDecoder, n.Position, $"Decoder '{name}' needs a <prematch>, a <program_name> or a <parent>."); bad = true; }
            bool hasRegex = regex != null || regexP != null;
            if ((!hasRegex && (d.FtsMask != 0 || d.Fields.Length > 0)) || (hasRegex && d.Fields.Length == 0))
            { Err(InvalidDecoder, n.Position, hasRegex ? $"Decoder '{name}' has a <regex> but no <order>." : $"Decoder '{name}' has <order>/<fts> but no <regex>."); bad = true; }
            if (d.RegexOffset == RegexOffset.AfterParent && d.Parent == null)
            { Err(InvalidDecoderValue, n.Position, $"Decoder '{name}': offset after_parent needs a <parent>."); bad = true; }
            if (d.RegexOffset == RegexOffset.AfterPrematch)
            {
                if (d.Parent == null) d.RegexOffset = RegexOffset.AfterParent;
                else if (prematch == null && prematchP == null) { Err(InvalidDecoderValue, n.Position, $"Decoder '{name}': offset after_prematch needs a <prematch>."); bad = true; }
            }
            if (d.RegexOffset == RegexOffset.AfterRegex && (d.Parent == null || !hasRegex))
            { Err(InvalidDecoderValue, n.Position, $"Decoder '{name}': offset after_regex needs a <parent> and a <regex>."); bad = true; }
            if (d.PrematchAfterParent && d.Parent == null)
            { Err(InvalidDecoderValue, n.Position, $"Decoder '{name}': offset after_parent needs a <parent>."); bad = true; }
            if (d.PluginDecoder != null && hasRegex)
            { Err(InvalidDecoder, n.Position, $"Decoder '{name}': a plugin decoder cannot have a <regex>."); bad = true; }
            if (bad) return;

            d.Prematch = CompileD(prematchP, PatternKind.Pcre2, n, name) ?? CompileD(prematch, PatternKind.OsRegex, n, name);
            d.ProgramName = CompileD(pnameP, PatternKind.Pcre2, n, name) ?? CompileD(pname, PatternKind.OsMatch, n, name);
            d.Regex = CompileD(regexP, PatternKind.Pcre2, n, name) ?? CompileD(regex, PatternKind.OsRegex, n, name);
            if ((prematch ?? prematchP) != null && d.Prematch == null) return;
            if ((regex ?? regexP) != null && d.Regex == null) return;
            if ((pname ?? pnameP) != null && d.ProgramName == null) return;

            Set.DecoderNames.Add(name);
            bool hasPname = pname != null || pnameP != null;
            if (d.Parent != null)
            {
                bool added = false;
                foreach (var top in Set.DecodersWithProgramName.Concat(Set.DecodersWithoutProgramName))
                {
                    if (top.OwnName != d.Parent) continue;
                    foreach (var sib in top.Children)
                    {
                        if (sib.OwnName != name) continue;
                        if (d.Prematch != null) { Err(InvalidDecoder, n.Position, $"Decoder '{name}' repeats a sibling's name (multi-regex) and cannot have a prematch."); return; }
                        if (sib.Regex != null && d.Regex != null) sib.GetNext = true;
                        else { Err(InvalidDecoder, n.Position, $"Duplicate decoder '{name}' under parent '{d.Parent}'.", "Sibling decoders with the same name must each have a <regex>."); return; }
                    }
                    top.Children.Add(d);
                    added = true;
                    if (!d.UseOwnName) d.Name = top.OwnName;
                }
                if (!added)
                {
                    Err(DecoderParentMissing, n.Position, $"Parent decoder '{d.Parent}' of '{name}' is not defined (before this point).", "Define the parent decoder first.");
                    return;
                }
            }
            else
            {
                if (d.RegexOffset == RegexOffset.AfterRegex) { Err(InvalidDecoderValue, n.Position, $"Decoder '{name}': after_regex needs a previous sibling."); return; }
                (hasPname ? Set.DecodersWithProgramName : Set.DecodersWithoutProgramName).Add(d);
            }
            Set.AllDecoders.Add(d);
        }

        private Pat? CompileD(string? src, PatternKind kind, XNode2 at, string name)
        {
            if (src == null) return null;
            if (kind == PatternKind.Pcre2) Set.UsesPcre2 = true;
            try { return Pat.Compile(src, kind); }
            catch (PatternException ex)
            {
                Err(DecoderPatternError, at.Position, $"Decoder '{name}': pattern '{src}' does not compile: {ex.Message}", kind == PatternKind.OsRegex ? "OSSEC regex escapes: \\d \\w \\s \\p \\S \\W \\D \\. \\t \\( \\) \\\\ \\$ \\| \\<." : null);
                return null;
            }
        }

        private RegexOffset ReadOffset(XNode2 e, string name, ref bool bad)
        {
            var o = e.Attr("offset");
            foreach (var a in e.Attributes)
                if (a.Name != "offset" && a.Name != "type") { Err(InvalidDecoderValue, a.Position, $"Invalid attribute '{a.Name}' on <{e.Name}> of decoder '{name}'."); bad = true; }
            switch (o)
            {
                case null: return RegexOffset.None;
                case "after_parent": return RegexOffset.AfterParent;
                case "after_prematch": return RegexOffset.AfterPrematch;
                case "after_regex": return RegexOffset.AfterRegex;
                default:
                    Err(InvalidDecoderValue, e.Position, $"Invalid offset '{o}' in decoder '{name}'.", "Use after_parent, after_prematch or after_regex.");
                    bad = true;
                    return RegexOffset.None;
            }
        }

        // OSSEC matches order names by substring, in this order.
        private static DecoderField? OrderField(string p)
        {
            if (p.Contains("dstuser")) return DecoderField.DstUser;
            if (p.Contains("srcuser")) return DecoderField.SrcUser;
            if (p.Contains("user")) return DecoderField.DstUser;
            if (p.Contains("srcip")) return DecoderField.SrcIp;
            if (p.Contains("dstip")) return DecoderField.DstIp;
            if (p.Contains("srcport")) return DecoderField.SrcPort;
            if (p.Contains("dstport")) return DecoderField.DstPort;
            if (p.Contains("protocol")) return DecoderField.Protocol;
            if (p.Contains("action")) return DecoderField.Action;
            if (p.Contains("id")) return DecoderField.Id;
            if (p.Contains("url")) return DecoderField.Url;
            if (p.Contains("data")) return DecoderField.Data;
            if (p.Contains("status")) return DecoderField.Status;
            if (p.Contains("system_name")) return DecoderField.SystemName;
            return null;
        }

        private static FtsFields FtsField(string p)
        {
            if (p.Contains("dstuser") || p.Contains("user")) return p.Contains("srcuser") ? FtsFields.SrcUser : FtsFields.DstUser;
            if (p.Contains("srcip")) return FtsFields.SrcIp;
            if (p.Contains("dstip")) return FtsFields.DstIp;
            if (p.Contains("id")) return FtsFields.Id;
            if (p.Contains("location")) return FtsFields.Location;
            if (p.Contains("data")) return FtsFields.Data;
            if (p.Contains("system_name")) return FtsFields.SystemName;
            if (p.Contains("name")) return FtsFields.Name;
            return FtsFields.None;
        }

        public void FinishDecoders()
        {
            foreach (var b in BuiltinDecoders) Set.DecoderNames.Add(b);
        }

        // ----------------------------------------------------------------------------------------------- rules
        private static readonly HashSet<string> RuleElements = new()
        {
            "match", "regex", "pcre2", "decoded_as", "category", "cve", "info", "time", "weekday", "group", "description",
            "srcip", "dstip", "srcport", "dstport", "user", "id", "status", "hostname", "extra_data", "program_name", "action",
            "url", "compiled_rule", "if_sid", "if_level", "if_group", "if_matched_regex", "if_matched_group", "if_matched_sid",
            "same_source_ip", "same_src_port", "same_dst_port", "same_user", "same_location", "same_id", "same_dst_ip", "same_agent",
            "different_url", "different_srcip", "different_srcgeoip", "not_same_source_ip", "not_same_user", "not_same_agent",
            "not_same_id", "if_fts", "options", "ignore", "check_if_ignored", "check_diff", "list", "srcgeoip", "dstgeoip",
            "user_pcre2", "id_pcre2", "status_pcre2", "hostname_pcre2", "extra_data_pcre2", "program_name_pcre2", "url_pcre2",
            "srcport_pcre2", "dstport_pcre2", "match_pcre2", "system_name", "protocol", "location",
        };

        private static readonly Dictionary<string, (RuleField Field, PatternKind Kind)> PatternElements = new()
        {
            ["match"] = (RuleField.Log, PatternKind.OsMatch),
            ["regex"] = (RuleField.Log, PatternKind.OsRegex),
            ["pcre2"] = (RuleField.Log, PatternKind.Pcre2),
            ["match_pcre2"] = (RuleField.Log, PatternKind.Pcre2),
            ["user"] = (RuleField.User, PatternKind.OsMatch),
            ["user_pcre2"] = (RuleField.User, PatternKind.Pcre2),
            ["id"] = (RuleField.Id, PatternKind.OsMatch),
            ["id_pcre2"] = (RuleField.Id, PatternKind.Pcre2),
            ["status"] = (RuleField.Status, PatternKind.OsMatch),
            ["status_pcre2"] = (RuleField.Status, PatternKind.Pcre2),
            ["hostname"] = (RuleField.Hostname, PatternKind.OsMatch),
            ["hostname_pcre2"] = (RuleField.Hostname, PatternKind.Pcre2),
            ["extra_data"] = (RuleField.ExtraData, PatternKind.OsMatch),
            ["extra_data_pcre2"] = (RuleField.ExtraData, PatternKind.Pcre2),
            ["program_name"] = (RuleField.ProgramName, PatternKind.OsMatch),
            ["program_name_pcre2"] = (RuleField.ProgramName, PatternKind.Pcre2),
            ["url"] = (RuleField.Url, PatternKind.OsMatch),
            ["url_pcre2"] = (RuleField.Url, PatternKind.Pcre2),
            ["srcport"] = (RuleField.SrcPort, PatternKind.OsMatch),
            ["srcport_pcre2"] = (RuleField.SrcPort, PatternKind.Pcre2),
            ["dstport"] = (RuleField.DstPort, PatternKind.OsMatch),
            ["dstport_pcre2"] = (RuleField.DstPort, PatternKind.Pcre2),
            ["system_name"] = (RuleField.SystemName, PatternKind.OsMatch),
            ["protocol"] = (RuleField.Protocol, PatternKind.OsMatch),
            ["location"] = (RuleField.Location, PatternKind.OsMatch),
        };

        private readonly List<(RuleDefinition Rule, XNode2 Node)> _pendingOverwrites = new();

        public void AddRuleFile(string file, IReadOnlyList<XNode2> roots)
        {
            foreach (var g in roots)
            {
                if (g.Name != "group")
                {
                    Err(InvalidRoot, g.Position, $"Invalid root element <{g.Name}> in a rule file: only <group> is allowed.", "Put rules inside <group name=\"...\"> ... </group>.");
                    continue;
                }
                var gname = g.Attr("name");
                if (gname == null) { Err(InvalidRoot, g.Position, "<group> without a name attribute.", "Write <group name=\"local,syslog,\">."); continue; }
                foreach (var r in g.Children)
                {
                    if (r.Name != "rule")
                    {
                        Err(UnknownRuleElement, r.Position, $"'{r.Name}' is not a valid element inside <group>: only <rule>.");
                        continue;
                    }
                    try { AddRule(r, gname); }
                    catch (PatternException ex) { Err(RulePatternError, r.Position, $"Rule pattern does not compile: {ex.Message}"); }
                }
            }
        }

        private void AddRule(XNode2 n, string groupName)
        {
            int id = -1, level = -1, maxsize = 0, timeframe = _defaultTimeframe, frequency = 0, ignore = 0;
            bool noalert = false, overwrite = false, bad = false;
            foreach (var a in n.Attributes)
            {
                int v = 0;
                bool num = a.Name is "id" or "level" or "maxsize" or "timeframe" or "frequency" or "accuracy" or "ignore";
                if (num && !int.TryParse(a.Value, NumberStyles.None, CultureInfo.InvariantCulture, out v))
                { Err(InvalidRuleAttribute, a.Position, $"Invalid {a.Name} '{a.Value}': must be a non-negative integer."); bad = true; continue; }
                switch (a.Name)
                {
                    case "id": id = v; break;
                    case "level": level = v; break;
                    case "maxsize": maxsize = v; break;
                    case "timeframe": timeframe = v; break;
                    case "frequency": frequency = v; break;
                    case "accuracy": break;
                    case "ignore": ignore = v; break;
                    case "noalert": noalert = true; break;
                    case "overwrite":
                        if (a.Value == "yes") overwrite = true;
                        else if (a.Value != "no") { Err(InvalidRuleAttribute, a.Position, $"Invalid overwrite '{a.Value}'.", "Use overwrite=\"yes\"."); bad = true; }
                        break;
                    default:
                        Err(InvalidRuleAttribute, a.Position, $"Invalid rule attribute '{a.Name}'.", "Allowed: id, level, maxsize, frequency, timeframe, ignore, noalert, overwrite, accuracy.");
                        bad = true;
                        break;
                }
            }
            if (id < 0 || level < 0) { Err(InvalidRuleAttribute, n.Position, "A rule needs an id and a level.", "Write <rule id=\"100001\" level=\"5\">."); return; }
            if (level > 16) Warn(InvalidRuleAttribute, n.Position, $"Rule {id}: level {level} is above 16.");
            if (!overwrite && Set.RulesById.ContainsKey(id))
            {
                var prev = Set.RulesById[id];
                Err(DuplicateRuleId, n.Position, $"Duplicate rule id {id} (first defined at {prev.File}:{prev.Line}).", "Use a new id, or overwrite=\"yes\" to replace the existing rule.");
                return;
            }
            if (bad) return;
            var r = new RuleDefinition
            {
                Id = id, Level = level, MaxSize = maxsize, Timeframe = timeframe, Frequency = frequency, IgnoreSeconds = ignore,
                NoAlert = noalert, File = n.Position.File, Line = n.Position.Line, Node = n, EnclosingGroupName = groupName,
            };
            var group = new StringBuilder(groupName);
            var desc = new StringBuilder();
            var info = new List<string>();
            var texts = new Dictionary<string, (StringBuilder Text, XNode2 First)>();
            var src = new List<IpMatcher>(); var dst = new List<IpMatcher>();
            string? ifMatchedGroup = null, ifMatchedRegex = null;
            foreach (var e in n.Children)
            {
                var t = e.Text;
                if (PatternElements.ContainsKey(e.Name) || (e.Name is "match" or "regex"))
                {
                    t = PatternText(e);
                    var key = e.Name;
                    var ty = e.Attr("type");
                    if (ty == "pcre2" && !key.EndsWith("pcre2")) key = key == "match" || key == "regex" ? "pcre2" : key + "_pcre2";
                    else if (ty == "osregex" && key == "match") key = "regex";
                    else if (ty == "osmatch" && key == "regex") key = "match";
                    if (e.Attr("negate") == "yes") key = "!" + key;
                    if (texts.TryGetValue(key, out var cur)) cur.Text.Append(t);
                    else texts[key] = (new StringBuilder(t), e);
                    continue;
                }
                switch (e.Name)
                {
                    case "decoded_as":
                        r.DecodedAs = t;
                        if (!Set.DecoderNames.Contains(t)) { Err(UnknownDecodedAs, e.TextPosition, $"Rule {id}: invalid decoder name '{t}' in <decoded_as>.", SuggestDecoder(t)); bad = true; }
                        break;
                    case "category":
                        {
                            var c = ParseCategory(t);
                            if (c == null || c == EventCategory.HostInformation) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: invalid category '{t}'.", "Use syslog, firewall, ids, web-log, squid, windows or ossec."); bad = true; }
                            else r.Category = c.Value;
                            break;
                        }
                    case "cve": info.Add("CVE: " + t); break;
                    case "info": info.Add(t); break;
                    case "time":
                        if (!ParseTime(t, r)) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: invalid time '{t}'.", "Write e.g. 6 pm - 8:30 am, or 18:00-06:00."); bad = true; }
                        break;
                    case "weekday":
                        if (!ParseWeekday(t, r)) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: invalid weekday '{t}'.", "Write monday, sunday, weekdays or weekends (comma-separated)."); bad = true; }
                        break;
                    case "group": group.Append(t); break;
                    case "description": desc.Append(t.Replace('\n', ' ')); break;
                    case "srcip":
                    case "dstip":
                        if (!IpMatcher.TryParse(t, out var ipm)) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: invalid IP address '{t}' in <{e.Name}>.", "Write an address or a network: 10.0.0.0/8, !192.168.1.1."); bad = true; }
                        else (e.Name == "srcip" ? src : dst).Add(ipm!);
                        break;
                    case "action": r.ActionEquals = (r.ActionEquals ?? "") + t; break;
                    case "compiled_rule":
                        if (!CompiledRuleNames.Contains(t)) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: compiled rule '{t}' not found.", $"Known: {string.Join(", ", CompiledRuleNames)}."); bad = true; }
                        else r.CompiledRule = t;
                        break;
                    case "if_sid": r.IfSid = (r.IfSid ?? "") + t; break;
                    case "if_level":
                        if (!int.TryParse(t, out _)) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: invalid if_level '{t}'."); bad = true; }
                        else r.IfLevel = t;
                        break;
                    case "if_group": r.IfGroup = (r.IfGroup ?? "") + t; break;
                    case "if_matched_regex": r.IsContext = true; ifMatchedRegex = (ifMatchedRegex ?? "") + t; break;
                    case "if_matched_group": r.IsContext = true; ifMatchedGroup = (ifMatchedGroup ?? "") + t; break;
                    case "if_matched_sid":
                        r.IsContext = true;
                        if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ims)) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: invalid if_matched_sid '{t}'."); bad = true; }
                        else r.IfMatchedSid = ims;
                        break;
                    case "same_source_ip": r.Context |= ContextOptions.SameSrcIp; break;
                    case "same_src_port": r.Context |= ContextOptions.SameSrcPort; break;
                    case "same_dst_port": r.Context |= ContextOptions.SameDstPort; break;
                    case "same_dst_ip": r.Context |= ContextOptions.SameDstIp; break;
                    case "same_user": r.Context |= ContextOptions.SameUser; break;
                    case "same_location": r.Context |= ContextOptions.SameLocation; break;
                    case "same_id": r.Context |= ContextOptions.SameId; break;
                    case "same_agent": r.Context |= ContextOptions.SameAgent; break;
                    case "different_url": r.Context |= ContextOptions.DifferentUrl; break;
                    case "different_srcip": r.Context |= ContextOptions.DifferentSrcIp; break;
                    case "different_srcgeoip": break;
                    case "not_same_source_ip": r.Context |= ContextOptions.NotSameSrcIp; break;
                    case "not_same_user": r.Context |= ContextOptions.NotSameUser; break;
                    case "not_same_agent": r.Context |= ContextOptions.NotSameAgent; break;
                    case "not_same_id": r.Context |= ContextOptions.NotSameId; break;
                    case "check_diff": r.CheckDiff = true; break;
                    case "if_fts": r.IfFts = true; break;
                    case "options":
                        foreach (var o in t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                        {
                            switch (o)
                            {
                                case "alert_by_email": r.AlertByEmail = true; r.NoEmail = false; break;
                                case "no_email_alert": r.NoEmail = true; r.AlertByEmail = false; break;
                                case "log_alert": r.NoLog = false; break;
                                case "no_log": r.NoLog = true; break;
                                case "no_ar": r.NoActiveResponse = true; break;
                                case "no_full_log": break;
                                default: Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: invalid option '{o}'.", "Options: alert_by_email, no_email_alert, log_alert, no_log, no_ar."); bad = true; break;
                            }
                        }
                        break;
                    case "ignore":
                        r.IgnoreMask = Mask(t);
                        if (r.IgnoreMask == 0) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: wrong ignore option '{t}'."); bad = true; }
                        break;
                    case "check_if_ignored":
                        r.CheckIgnoreMask = Mask(t);
                        if (r.CheckIgnoreMask == 0) { Err(InvalidRuleValue, e.TextPosition, $"Rule {id}: wrong check_if_ignored option '{t}'."); bad = true; }
                        break;
                    case "list":
                        Warn(InvalidRuleValue, e.Position, $"Rule {id}: CDB <list> lookups are not supported; the condition is ignored.");
                        break;
                    case "srcgeoip": case "dstgeoip":
                        Warn(InvalidRuleValue, e.Position, $"Rule {id}: GeoIP conditions are not supported; the condition is ignored.");
                        break;
                    default:
                        Err(UnknownRuleElement, e.Position, $"Invalid option <{e.Name}> for rule {id}.", Suggest(e.Name, RuleElements));
                        bad = true;
                        break;
                }
            }
            if ((r.Context != 0 || r.Frequency > 0) && !r.IsContext)
            { Err(InvalidRuleValue, n.Position, $"Rule {id}: frequency/same_*/different_* need an if_matched_sid, if_matched_group or if_matched_regex."); bad = true; }
            if (bad) return;

            foreach (var (key, (text, first)) in texts)
            {
                bool neg = key.StartsWith('!');
                var k = neg ? key[1..] : key;
                var (field, kind) = PatternElements[k];
                if (kind == PatternKind.Pcre2) Set.UsesPcre2 = true;
                try { r.Conditions.Add(new RuleCondition(field, Pat.Compile(text.ToString(), kind), neg)); }
                catch (PatternException ex)
                {
                    Err(RulePatternError, first.TextPosition, $"Rule {id}: <{first.Name}> pattern '{text}' does not compile: {ex.Message}",
                        kind == PatternKind.OsRegex ? "OSSEC regex escapes: \\d \\w \\s \\p \\S \\W \\D \\. \\t \\( \\) \\\\ \\$ \\| \\<." : null);
                    bad = true;
                }
            }
            // cheapest first: log match on literals before regexes
            r.Conditions.Sort((a, b) => Cost(a).CompareTo(Cost(b)));
            try
            {
                if (ifMatchedGroup != null) { r.IfMatchedGroup = ifMatchedGroup; r.IfMatchedGroupPat = Pat.Compile(ifMatchedGroup, PatternKind.OsMatch); }
                if (ifMatchedRegex != null) { r.IfMatchedRegex = ifMatchedRegex; r.IfMatchedRegexPat = Pat.Compile(ifMatchedRegex, PatternKind.OsRegex); }
            }
            catch (PatternException ex) { Err(RulePatternError, n.Position, $"Rule {id}: if_matched pattern does not compile: {ex.Message}"); bad = true; }
            if (bad) return;
            if (src.Count > 0) r.SrcIp = src.ToArray();
            if (dst.Count > 0) r.DstIp = dst.ToArray();
            r.Description = desc.ToString();
            r.GroupText = group.ToString();
            r.Groups = r.GroupText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            r.Info = info.ToArray();
            if (ifMatchedGroup != null && r.IfSid == null && r.IfGroup == null) r.IfGroup = ifMatchedGroup;
            if (r.IfMatchedSid != 0 && r.IfSid == null && r.IfGroup == null) r.IfSid = r.IfMatchedSid.ToString(CultureInfo.InvariantCulture);
            r.SortLevel = (level == 0 ? 99 : level) * 100;

            if (id < 10)
            {
                Register(r);
                InsertSorted(Set.RootRules, r);
                return;
            }
            if (overwrite)
            {
                if (!Set.RulesById.TryGetValue(id, out var target))
                { Err(OverwriteTargetMissing, n.Position, $"Overwrite rule {id} not found.", "overwrite=\"yes\" replaces a rule loaded before; check the id and the load order."); return; }
                ApplyOverwrite(target, r);
                return;
            }
            if (!AttachChild(r, n)) return;
            Register(r);
        }

        private static int Cost(RuleCondition c) => c.Pattern.Kind switch { PatternKind.OsMatch => 0, PatternKind.OsRegex => 1, _ => 2 } + (c.Field == RuleField.Log ? 0 : -1);

        private void Register(RuleDefinition r)
        {
            r.Index = Set.AllRules.Count;
            Set.AllRules.Add(r);
            Set.RulesById[r.Id] = r;
        }

        private static void ApplyOverwrite(RuleDefinition t, RuleDefinition n)
        {
            // OSSEC keeps the rule's place in the tree and its parents; everything else comes from the new definition.
            t.Level = n.Level; t.MaxSize = n.MaxSize; t.Frequency = n.Frequency; t.Timeframe = n.Timeframe; t.IgnoreSeconds = n.IgnoreSeconds;
            t.GroupText = n.GroupText; t.Groups = n.Groups; t.Conditions.Clear(); t.Conditions.AddRange(n.Conditions);
            t.TimeRanges = n.TimeRanges; t.TimeNegate = n.TimeNegate; t.WeekdayMask = n.WeekdayMask; t.SrcIp = n.SrcIp; t.DstIp = n.DstIp;
            t.ActionEquals = n.ActionEquals; t.Description = n.Description; t.Info = n.Info; t.IfMatchedRegex = n.IfMatchedRegex; t.IfMatchedRegexPat = n.IfMatchedRegexPat;
            t.IfMatchedGroup = n.IfMatchedGroup; t.IfMatchedGroupPat = n.IfMatchedGroupPat; t.IfMatchedSid = n.IfMatchedSid;
            t.NoAlert = n.NoAlert; t.NoEmail = n.NoEmail; t.AlertByEmail = n.AlertByEmail; t.NoLog = n.NoLog; t.NoActiveResponse = n.NoActiveResponse;
            t.Context = n.Context; t.IsContext = n.IsContext; t.DecodedAs = n.DecodedAs; t.CompiledRule = n.CompiledRule; t.CheckDiff = n.CheckDiff;
            t.IfFts = n.IfFts; t.IgnoreMask = n.IgnoreMask; t.CheckIgnoreMask = n.CheckIgnoreMask;
            t.Overwritten = true;
            t.File = n.File; t.Line = n.Line; t.Node = n.Node; t.EnclosingGroupName = n.EnclosingGroupName;
        }

        private static void InsertSorted(List<RuleDefinition> list, RuleDefinition r)
        {
            int i = 0;
            while (i < list.Count && r.SortLevel <= list[i].SortLevel) i++;
            list.Insert(i, r);
        }

        private static void AddChildTo(RuleDefinition parent, RuleDefinition child)
        {
            InsertSorted(parent.Children, child);
            child.Parents.Add(parent);
        }

        private bool AttachChild(RuleDefinition r, XNode2 n)
        {
            if (r.IfSid != null)
            {
                bool ok = true;
                foreach (var part in r.IfSid.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var sid))
                    { Err(UndefinedIfSid, n.Position, $"Rule {r.Id}: if_sid '{part}' is not a number."); ok = false; continue; }
                    var parent = FindFirst(Set.RootRules, sid);
                    if (parent == null)
                    {
                        var pos = n.Element("if_sid")?.TextPosition ?? n.Position;
                        Err(UndefinedIfSid, pos, $"Rule {r.Id}: signature id {sid} in <if_sid> is not defined.", "The parent rule must be loaded before this one (check the <include> order).");
                        ok = false;
                        continue;
                    }
                    r.Category = parent.Category;
                    AddChildTo(parent, r);
                }
                return ok && r.Parents.Count > 0;
            }
            if (r.IfLevel != null)
            {
                int lvl = int.Parse(r.IfLevel, CultureInfo.InvariantCulture) * 100;
                bool any = false;
                Walk(Set.RootRules, node =>
                {
                    if (node.SortLevel >= lvl && node.Id != r.Id) { AddChildTo(node, r); any = true; return true; }
                    return false;
                });
                if (!any) { Err(IfGroupOrLevelUnmatched, n.Position, $"Rule {r.Id}: no rule with level {r.IfLevel} or more for <if_level>."); return false; }
                return true;
            }
            if (r.IfGroup != null)
            {
                bool any = false;
                var g = r.IfGroup;
                Pat gp;
                try { gp = Pat.Compile(g, PatternKind.OsMatch); }
                catch (PatternException ex) { Err(RulePatternError, n.Position, $"Rule {r.Id}: <if_group> '{g}' is invalid: {ex.Message}"); return false; }
                Walk(Set.RootRules, node =>
                {
                    if (node.Id != r.Id && gp.IsMatch(node.GroupText)) { AddChildTo(node, r); any = true; return true; }
                    return false;
                });
                if (!any) { Err(IfGroupOrLevelUnmatched, n.Position, $"Rule {r.Id}: group '{g}' in <if_group> matches no rule loaded before.", "Load the rules of that group first."); return false; }
                return true;
            }
            // plain rule: child of the first top-level rule of its category
            foreach (var root in Set.RootRules)
            {
                if (root.Category != r.Category) continue;
                AddChildTo(root, r);
                return true;
            }
            Err(InvalidRuleValue, n.Position, $"Rule {r.Id}: no template rule for category {r.Category} (is rules_config.xml loaded first?).");
            return false;
        }

        // OSSEC's _AddtoRule walk: depth-first over siblings and children; when the rule is attached to a node, the walk
        // still descends into that node's children (which now include the new rule, skipped by the id check).
        private static void Walk(List<RuleDefinition> level, Func<RuleDefinition, bool> visit)
        {
            for (int i = 0; i < level.Count; i++)
            {
                var node = level[i];
                visit(node);
                if (node.Children.Count > 0) Walk(node.Children, visit);
            }
        }

        private static RuleDefinition? FindFirst(List<RuleDefinition> level, int sid)
        {
            foreach (var node in level)
            {
                if (node.Id == sid) return node;
                if (node.Children.Count > 0)
                {
                    var f = FindFirst(node.Children, sid);
                    if (f != null) return f;
                }
            }
            return null;
        }

        private static FtsFields Mask(string t)
        {
            FtsFields m = 0;
            if (t.Contains("user")) m |= FtsFields.DstUser;
            if (t.Contains("srcip")) m |= FtsFields.SrcIp;
            if (t.Contains("dstip")) m |= FtsFields.DstIp;
            if (t.Contains("id")) m |= FtsFields.Id;
            if (t.Contains("location")) m |= FtsFields.Location;
            if (t.Contains("data")) m |= FtsFields.Data;
            if (t.Contains("name")) m |= FtsFields.Name;
            return m;
        }

        public void FinishRules()
        {
            // if_matched_sid targets and if_matched_group searchers
            foreach (var r in Set.AllRules)
            {
                if (r.IfMatchedSid != 0)
                {
                    if (Set.RulesById.TryGetValue(r.IfMatchedSid, out var t)) t.IsSidTarget = true;
                    else _d.Add(Diag(DiagnosticSeverity.Warning, UndefinedIfSid, r.File, r.Line, 0, $"Rule {r.Id}: if_matched_sid {r.IfMatchedSid} is not defined; the rule can never fire."));
                }
                else if (r.IfMatchedGroupPat != null)
                {
                    foreach (var other in Set.AllRules)
                        if (r.IfMatchedGroupPat.IsMatch(other.GroupText))
                            (other.GroupSearchers ??= new List<RuleDefinition>()).Add(r);
                }
            }
            foreach (var r in Set.AllRules) BuildDispatch(r);
        }

        private static void BuildDispatch(RuleDefinition r)
        {
            r.ChildrenArray = r.Children.ToArray();
            if (r.Children.Count < 4) return;
            r.ChildrenNoDecoder = r.Children.Where(c => c.DecodedAs == null).ToArray();
            var names = r.Children.Where(c => c.DecodedAs != null).Select(c => c.DecodedAs!).Distinct().ToList();
            r.ChildrenByDecoder = new Dictionary<string, RuleDefinition[]>(StringComparer.Ordinal);
            foreach (var name in names)
                r.ChildrenByDecoder[name] = r.Children.Where(c => c.DecodedAs == null || c.DecodedAs == name).ToArray();
        }

        // ------------------------------------------------------------------------------------------- helpers
        private static bool ParseTime(string t, RuleDefinition r)
        {
            // "6 pm - 8:30 am", "18:00-06:00", "!8am-5pm"
            var s = t.Trim();
            bool neg = s.StartsWith('!');
            if (neg) s = s[1..];
            var parts = s.Split('-', StringSplitOptions.TrimEntries);
            if (parts.Length != 2) return false;
            int? a = ParseClock(parts[0]), b = ParseClock(parts[1]);
            if (a == null || b == null) return false;
            r.TimeRanges = new[] { (a.Value, b.Value) };
            r.TimeNegate = neg;
            return true;
        }

        private static int? ParseClock(string s)
        {
            s = s.Replace(" ", "").ToLowerInvariant();
            bool pm = s.EndsWith("pm"), am = s.EndsWith("am");
            if (pm || am) s = s[..^2];
            var hm = s.Split(':');
            if (!int.TryParse(hm[0], out int h)) return null;
            int m = 0;
            if (hm.Length > 1 && !int.TryParse(hm[1], out m)) return null;
            if (pm && h < 12) h += 12;
            if (am && h == 12) h = 0;
            if (h > 23 || m > 59) return null;
            return h * 60 + m;
        }

        private static bool ParseWeekday(string t, RuleDefinition r)
        {
            int mask = 0;
            var s = t.Trim().ToLowerInvariant();
            bool neg = s.StartsWith('!');
            if (neg) s = s[1..];
            foreach (var p in s.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                switch (p)
                {
                    case "sunday" or "sun": mask |= 1 << 0; break;
                    case "monday" or "mon": mask |= 1 << 1; break;
                    case "tuesday" or "tue": mask |= 1 << 2; break;
                    case "wednesday" or "wed": mask |= 1 << 3; break;
                    case "thursday" or "thu": mask |= 1 << 4; break;
                    case "friday" or "fri": mask |= 1 << 5; break;
                    case "saturday" or "sat": mask |= 1 << 6; break;
                    case "weekdays": mask |= 0b0111110; break;
                    case "weekends": mask |= 0b1000001; break;
                    default: return false;
                }
            }
            if (mask == 0) return false;
            r.WeekdayMask = neg ? ~mask & 0x7F : mask;
            return true;
        }

        private string? SuggestDecoder(string name)
        {
            var best = Set.DecoderNames.OrderBy(n => Distance(n, name)).FirstOrDefault();
            return best != null && Distance(best, name) <= 3 ? $"Did you mean '{best}'?" : "The decoder must be defined in a decoder file loaded before the rules.";
        }

        private static string? Suggest(string name, IEnumerable<string> known)
        {
            var best = known.OrderBy(n => Distance(n, name)).First();
            return Distance(best, name) <= 3 ? $"Did you mean <{best}>?" : null;
        }

        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
                for (int j = 1; j <= b.Length; j++)
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            return d[a.Length, b.Length];
        }
    }
}
