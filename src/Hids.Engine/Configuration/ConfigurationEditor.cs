using Hids.Engine.Core;
using Hids.Engine.Xml;

namespace Hids.Engine.Configuration;

/// <summary>Thrown when an edit is refused: the result would not validate, the file is unreadable or changed meanwhile.</summary>
public sealed class ConfigurationEditException : Exception
{
    public ConfigurationEditException(string message, string errorId, IReadOnlyList<HidsDiagnostic>? diagnostics = null) : base(message)
    {
        ErrorId = errorId;
        Diagnostics = diagnostics ?? Array.Empty<HidsDiagnostic>();
    }
    /// <summary>Stable id for PowerShell: ConfigurationWouldNotValidate, InvalidConfiguration, ConfigurationChanged, InvalidValue.</summary>
    public string ErrorId { get; }
    public IReadOnlyList<HidsDiagnostic> Diagnostics { get; }
}

/// <summary>
/// Edits an ossec.conf in place as text: every change is a splice located by the reader's element offsets, so the
/// user's comments, blank lines, indentation and element order stay exactly as they were. Edits are idempotent (an
/// edit that is already in place changes nothing), and <see cref="Save"/> writes nothing when nothing changed,
/// refuses a result that does not validate, and writes atomically keeping the previous file as ossec.conf.bak.
/// </summary>
public sealed class ConfigurationEditor
{
    private readonly List<string> _changes = new();
    /// <summary>The file's own line ending and indentation step, so inserted lines look like their neighbours.</summary>
    private readonly string _nl;
    private readonly string Unit;

    public ConfigurationEditor(string text, string filePath)
    {
        FilePath = filePath;
        OriginalText = text;
        Text = text;
        _nl = text.Contains("\r\n") ? "\r\n" : "\n";
        Unit = DetectIndentUnit(text);
        try { OssecXmlReader.Read(text, filePath); }
        catch (OssecXmlException ex)
        {
            var d = new HidsDiagnostic { Severity = DiagnosticSeverity.Error, Code = ConfigCodes.MalformedXml, File = filePath, Line = ex.Position.Line, Column = ex.Position.Column, Message = ex.Message, Hint = ex.Hint };
            throw new ConfigurationEditException($"{filePath} cannot be edited: {d}", "InvalidConfiguration", new[] { d });
        }
        if (!Roots().Any())
            throw new ConfigurationEditException($"{filePath} has no <ossec_config> element to edit.", "InvalidConfiguration");
    }

    public static ConfigurationEditor Open(string path)
    {
        if (!File.Exists(path)) throw new ConfigurationEditException($"Configuration file '{path}' does not exist.", "InstanceNotFound");
        return new ConfigurationEditor(File.ReadAllText(path), path);
    }

    public string FilePath { get; }
    public string OriginalText { get; }
    public string Text { get; private set; }
    public bool IsChanged => !string.Equals(Text, OriginalText, StringComparison.Ordinal);
    /// <summary>Human-readable list of the changes made so far (for ShouldProcess and -Verbose).</summary>
    public IReadOnlyList<string> Changes => _changes;

    /// <summary>The configuration as it would be after the edits.</summary>
    public ConfigurationLoadResult Validate() => ConfigurationLoader.LoadText(Text, FilePath);

    /// <summary>Writes the edited text. Returns false (and writes nothing) when nothing changed.</summary>
    public bool Save()
    {
        if (!IsChanged) return false;
        var v = Validate();
        if (v.HasErrors)
        {
            var errs = v.Errors.ToList();
            throw new ConfigurationEditException(
                $"The change was not written: the resulting configuration would not validate. {string.Join(" ", errs.Select(e => e.ToString()))}",
                "ConfigurationWouldNotValidate", errs);
        }
        var current = File.Exists(FilePath) ? File.ReadAllText(FilePath) : null;
        if (current is not null && !string.Equals(current, OriginalText, StringComparison.Ordinal))
            throw new ConfigurationEditException($"{FilePath} was changed by someone else while it was being edited; nothing was written. Run the command again.", "ConfigurationChanged");
        return AtomicFile.WriteIfChanged(FilePath, Text, keepBackup: true, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
    }

    // =====================================================================================
    // High-level edits
    // =====================================================================================

    /// <summary>Makes each path monitored with exactly <paramref name="options"/>. New paths are written as one new
    /// &lt;directories&gt; element; a path already listed is left alone when its options match, else updated in place
    /// (split out of a comma list when it shares the element with other paths).</summary>
    public void AddDirectories(IReadOnlyList<string> paths, DirectoryOptions options)
    {
        foreach (var p in paths)
        {
            CheckValue(p, "path");
            if (p.Contains(',')) throw new ConfigurationEditException($"The path '{p}' contains a comma, which ossec.conf uses to separate directories.", "InvalidValue");
        }
        if (options.Restrict is not null) CheckAttr(options.Restrict, "restrict");
        var fresh = new List<string>();
        foreach (var path in paths)
        {
            var key = Norm(path);
            var hit = DirectoryNodes().FirstOrDefault(n => SplitPaths(n.Text).Any(x => Norm(x) == key));
            if (hit is null) { if (!fresh.Any(f => Norm(f) == key)) fresh.Add(path); continue; }
            var existing = ReadDirectoryOptions(hit);
            if (DirectoryAttributes.SameOptions(existing, options)) continue;
            var list = SplitPaths(hit.Text);
            if (list.Count == 1)
            {
                Splice(hit.StartOffset, hit.ContentStart, StartTag("directories", DirectoryAttrs(options, hit)));
                _changes.Add($"Update directory {path}: {DirectoryAttributes.Describe(options)}");
            }
            else
            {
                var rest = list.Where(x => Norm(x) != key).ToList();
                ReplaceContent(hit, string.Join(",", rest));
                hit = Reparse(hit);
                InsertAfter(hit, DirectoriesXml(new[] { path }, options, hit), blankLine: false);
                _changes.Add($"Update directory {path} (moved out of a shared list): {DirectoryAttributes.Describe(options)}");
            }
        }
        if (fresh.Count == 0) return;
        var xml = DirectoriesXml(fresh, options, null);
        var anchor = DirectoryNodes().LastOrDefault();
        if (anchor is not null) InsertAfter(anchor, xml, blankLine: false);
        else InsertOrdered(EnsureSection("syscheck"), "directories", xml);
        _changes.Add($"Add directory {string.Join(",", fresh)}: {DirectoryAttributes.Describe(options)}");
    }

    /// <summary>Stops monitoring a path: removes it from its comma list, or the whole element when it was alone.</summary>
    public bool RemoveDirectory(string path)
    {
        var key = Norm(path);
        bool any = false;
        while (DirectoryNodes().FirstOrDefault(n => SplitPaths(n.Text).Any(x => Norm(x) == key)) is XNode2 hit)
        {
            var rest = SplitPaths(hit.Text).Where(x => Norm(x) != key).ToList();
            if (rest.Count == 0) RemoveNode(hit); else ReplaceContent(hit, string.Join(",", rest));
            any = true;
        }
        if (any) _changes.Add($"Remove directory {path}");
        return any;
    }

    /// <summary>Adds an &lt;ignore&gt; (or &lt;nodiff&gt;) entry unless the same entry exists.</summary>
    public void AddIgnore(string value, string? type, string element = "ignore")
    {
        CheckValue(value, element);
        if (IgnoreNodes(element).Any(n => n.Text == value && n.Attr("type") == type)) return;
        var xml = type is null ? $"<{element}>{Esc(value)}</{element}>" : $"<{element} type=\"{type}\">{Esc(value)}</{element}>";
        var anchor = IgnoreNodes(element).LastOrDefault();
        if (anchor is not null) InsertAfter(anchor, xml, blankLine: false);
        else InsertOrdered(EnsureSection("syscheck"), element, xml);
        _changes.Add($"Add {element} {value}{(type is null ? "" : $" ({type})")}");
    }

    /// <summary>Removes matching &lt;ignore&gt; entries: of exactly this type (null = a plain path), or of any type.</summary>
    public bool RemoveIgnore(string value, string? type, string element = "ignore", bool anyType = false)
    {
        bool any = false;
        while (IgnoreNodes(element).FirstOrDefault(n => n.Text == value && (anyType || n.Attr("type") == type)) is XNode2 hit)
        {
            RemoveNode(hit);
            any = true;
        }
        if (any) _changes.Add($"Remove {element} {value}");
        return any;
    }

    /// <summary>Sets a single-valued setting of a section (the last occurrence, as OSSEC reads it), creating it when missing.
    /// A null value leaves the setting alone.</summary>
    public void SetValue(string section, string element, string? value)
    {
        if (value is null) return;
        CheckValue(value, element);
        var nodes = Sections(section).SelectMany(s => s.Elements(element)).ToList();
        if (nodes.Count > 0)
        {
            var last = nodes[^1];
            if (last.Text == value) return;
            ReplaceContent(last, Esc(value));
        }
        else InsertOrdered(EnsureSection(section), element, $"<{element}>{Esc(value)}</{element}>");
        _changes.Add($"Set {section}/{element} = {value}");
    }

    /// <summary>Sets a repeated setting (e.g. email_to) to exactly these values, keeping the first element's place.</summary>
    public void SetValues(string section, string element, IReadOnlyList<string> values)
    {
        foreach (var v in values) CheckValue(v, element);
        List<XNode2> Nodes() => Sections(section).SelectMany(s => s.Elements(element)).ToList();
        if (Nodes().Select(n => n.Text).SequenceEqual(values)) return;
        while (Nodes() is { Count: > 1 } ns) RemoveNode(ns[^1]);
        var first = Nodes().FirstOrDefault();
        if (values.Count == 0) { if (first is not null) RemoveNode(first); }
        else
        {
            if (first is null) InsertOrdered(EnsureSection(section), element, $"<{element}>{Esc(values[0])}</{element}>");
            else if (first.Text != values[0]) ReplaceContent(first, Esc(values[0]));
            for (int i = 1; i < values.Count; i++)
                InsertAfter(Nodes()[^1], $"<{element}>{Esc(values[i])}</{element}>", blankLine: false);
        }
        _changes.Add($"Set {section}/{element} = {string.Join(", ", values)}");
    }

    /// <summary>Sets a Hids extension setting in &lt;hids&gt;, or where the file already has it (e.g. &lt;global&gt;&lt;smtp_port&gt;).</summary>
    public void SetHidsSetting(string element, string? value)
    {
        if (value is null) return;
        var inGlobal = Sections("global").Any(g => g.Elements(element).Any());
        var inHids = Sections("hids").Any(h => h.Elements(element).Any());
        SetValue(inGlobal && !inHids ? "global" : "hids", element, value);
    }

    /// <summary>Removes a Hids extension setting wherever it is (&lt;hids&gt; or &lt;global&gt;); nothing happens when it is absent.</summary>
    public void RemoveHidsSetting(string element)
    {
        SetValues("hids", element, Array.Empty<string>());
        SetValues("global", element, Array.Empty<string>());
    }

    public static string YesNo(bool b) => b ? "yes" : "no";

    /// <summary>Creates or updates the &lt;active-response&gt; block of a command. Null arguments leave a field alone.</summary>
    public void SetActiveResponse(string command, int? level = null, int? timeout = null, string? location = null,
        IReadOnlyList<int>? rulesId = null, IReadOnlyList<string>? rulesGroup = null, bool? disabled = null, IReadOnlyList<int>? repeatedOffenders = null)
    {
        CheckValue(command, "command");
        var block = ActiveResponseBlocks(command).FirstOrDefault();
        if (block is null)
        {
            var lines = new List<string> { "<active-response>" };
            if (disabled == true) lines.Add(Unit + "<disabled>yes</disabled>");
            lines.Add(Unit + $"<command>{Esc(command)}</command>");
            lines.Add(Unit + $"<location>{Esc(location ?? "local")}</location>");
            if (level is not null) lines.Add(Unit + $"<level>{level}</level>");
            if (rulesId is { Count: > 0 }) lines.Add(Unit + $"<rules_id>{string.Join(",", rulesId)}</rules_id>");
            if (rulesGroup is { Count: > 0 }) lines.Add(Unit + $"<rules_group>{Esc(string.Join(",", rulesGroup))}</rules_group>");
            if (timeout is not null) lines.Add(Unit + $"<timeout>{timeout}</timeout>");
            if (repeatedOffenders is { Count: > 0 }) lines.Add(Unit + $"<repeated_offenders>{string.Join(",", repeatedOffenders)}</repeated_offenders>");
            lines.Add("</active-response>");
            var root = Roots()[^1];
            var anchor = Roots().SelectMany(r => r.Elements("active-response")).LastOrDefault()
                         ?? Roots().SelectMany(r => r.Elements("command")).LastOrDefault();
            if (anchor is not null) InsertAfter(anchor, string.Join("\n", lines), blankLine: true);
            else InsertChild(root, string.Join("\n", lines), blankLine: true);
            _changes.Add($"Add active response for {command}");
            return;
        }
        var before = Text;
        void Set(string el, string? v)
        {
            var b = ActiveResponseBlocks(command).First();
            if (v is null) return;
            SetChild(b, el, v, ActiveResponseOrder);
        }
        void Remove(string el)
        {
            var n = ActiveResponseBlocks(command).First().Element(el);
            if (n is not null) RemoveNode(n);
        }
        if (disabled == true) Set("disabled", "yes"); else if (disabled == false) Remove("disabled");
        Set("location", location);
        Set("level", level?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (rulesId is not null) { if (rulesId.Count == 0) Remove("rules_id"); else Set("rules_id", string.Join(",", rulesId)); }
        if (rulesGroup is not null) { if (rulesGroup.Count == 0) Remove("rules_group"); else Set("rules_group", string.Join(",", rulesGroup)); }
        Set("timeout", timeout?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (repeatedOffenders is not null) { if (repeatedOffenders.Count == 0) Remove("repeated_offenders"); else Set("repeated_offenders", string.Join(",", repeatedOffenders)); }
        if (Text != before) _changes.Add($"Update active response for {command}");
    }

    /// <summary>Adds or updates a monitored log file.</summary>
    public void AddLogFile(string location, string logFormat)
    {
        CheckValue(location, "location"); CheckValue(logFormat, "log_format");
        var block = LocalFileBlocks().FirstOrDefault(b => b.Element("location")?.Text == location);
        if (block is not null)
        {
            if ((block.Element("log_format")?.Text ?? "syslog") == logFormat) return;
            SetChild(block, "log_format", logFormat, LocalFileOrder);
            _changes.Add($"Set log format of {location} to {logFormat}");
            return;
        }
        AddLocalFileBlock($"<localfile>\n{Unit}<log_format>{Esc(logFormat)}</log_format>\n{Unit}<location>{Esc(location)}</location>\n</localfile>");
        _changes.Add($"Monitor log file {location} ({logFormat})");
    }

    /// <summary>Adds or updates a command monitor (log_format command or full_command).</summary>
    public void AddCommandMonitor(string command, string logFormat, int? frequency, string? alias)
    {
        CheckValue(command, "command"); if (alias is not null) CheckValue(alias, "alias");
        var block = LocalFileBlocks().FirstOrDefault(b => b.Element("command")?.Text == command);
        if (block is not null)
        {
            var before = Text;
            SetChild(block, "log_format", logFormat, LocalFileOrder);
            if (alias is not null) SetChild(LocalFileBlocks().First(b => b.Element("command")?.Text == command), "alias", alias, LocalFileOrder);
            if (frequency is not null) SetChild(LocalFileBlocks().First(b => b.Element("command")?.Text == command), "frequency", frequency.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), LocalFileOrder);
            if (Text != before) _changes.Add($"Update command monitor '{command}'");
            return;
        }
        var lines = new List<string> { "<localfile>", $"{Unit}<log_format>{Esc(logFormat)}</log_format>", $"{Unit}<command>{Esc(command)}</command>" };
        if (alias is not null) lines.Add($"{Unit}<alias>{Esc(alias)}</alias>");
        if (frequency is not null) lines.Add($"{Unit}<frequency>{frequency}</frequency>");
        lines.Add("</localfile>");
        AddLocalFileBlock(string.Join("\n", lines));
        _changes.Add($"Monitor command '{command}' ({logFormat})");
    }

    /// <summary>Removes the &lt;localfile&gt; blocks whose location, command or alias is <paramref name="key"/>.</summary>
    public bool RemoveLogFile(string key)
    {
        bool any = false;
        while (LocalFileBlocks().FirstOrDefault(b => b.Element("location")?.Text == key || b.Element("command")?.Text == key || b.Element("alias")?.Text == key) is XNode2 hit)
        {
            RemoveNode(hit);
            any = true;
        }
        if (any) _changes.Add($"Stop monitoring {key}");
        return any;
    }

    private void AddLocalFileBlock(string xml)
    {
        var anchor = LocalFileBlocks().LastOrDefault();
        if (anchor is not null) InsertAfter(anchor, xml, blankLine: true);
        else InsertChild(Roots()[^1], xml, blankLine: true);
    }

    // =====================================================================================
    // Queries
    // =====================================================================================

    private List<XNode2> Roots() => OssecXmlReader.Read(Text, FilePath).Where(r => r.Name == "ossec_config").ToList();
    private IEnumerable<XNode2> Sections(string name) => Roots().SelectMany(r => r.Elements(name));
    private List<XNode2> DirectoryNodes() => Sections("syscheck").SelectMany(s => s.Elements("directories")).ToList();
    private List<XNode2> IgnoreNodes(string element) => Sections("syscheck").SelectMany(s => s.Elements(element)).ToList();
    private List<XNode2> LocalFileBlocks() => Sections("localfile").ToList();
    private List<XNode2> ActiveResponseBlocks(string command) => Sections("active-response").Where(b => b.Element("command")?.Text == command).ToList();

    private XNode2 Reparse(XNode2 n)
    {
        // The node at the same start offset after an edit that did not move it.
        XNode2? Find(IEnumerable<XNode2> nodes)
        {
            foreach (var x in nodes)
            {
                if (x.StartOffset == n.StartOffset && x.Name == n.Name) return x;
                if (x.StartOffset < n.StartOffset && x.EndOffset > n.StartOffset) return Find(x.Children);
            }
            return null;
        }
        return Find(OssecXmlReader.Read(Text, FilePath)) ?? throw new InvalidOperationException("Lost track of an element while editing.");
    }

    private static List<string> SplitPaths(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
    private static string Norm(string p) => p.Length > 1 ? p.TrimEnd('/') : p;

    private static DirectoryOptions ReadDirectoryOptions(XNode2 n)
    {
        var d = new DirectoryOptions();
        foreach (var a in n.Attributes)
        {
            if (a.Name == "restrict") d.Restrict = a.Value;
            else if (a.Name == "recursion_level" && int.TryParse(a.Value, out var rl)) d.RecursionLevel = rl;
            else if (DirectoryAttributes.Setter(a.Name) is { } set) set(d, a.Value.Equals("yes", StringComparison.OrdinalIgnoreCase));
        }
        return d;
    }

    private static List<(string, string)> DirectoryAttrs(DirectoryOptions o, XNode2? existing)
    {
        var attrs = DirectoryAttributes.Names.Where(n => DirectoryAttributes.Get(o, n)).Select(n => (n, "yes")).ToList();
        if (o.Restrict is not null) attrs.Add(("restrict", o.Restrict));
        if (o.RecursionLevel is int r) attrs.Add(("recursion_level", r.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // attributes Hids does not model (e.g. whodata) are kept as they were
        if (existing is not null)
            foreach (var a in existing.Attributes)
                if (a.Name is not ("restrict" or "recursion_level") && DirectoryAttributes.Setter(a.Name) is null) attrs.Add((a.Name, a.Value));
        return attrs;
    }

    private static string StartTag(string name, List<(string Name, string Value)> attrs)
        => "<" + name + string.Concat(attrs.Select(a => $" {a.Name}=\"{a.Value}\"")) + ">";

    private static string DirectoriesXml(IEnumerable<string> paths, DirectoryOptions o, XNode2? existing)
        => StartTag("directories", DirectoryAttrs(o, existing)) + Esc(string.Join(",", paths)) + "</directories>";

    // Where new settings go inside a section: after the last sibling that comes earlier in this order.
    private static readonly Dictionary<string, string[]> Order = new()
    {
        ["global"] = new[] { "email_notification", "email_to", "smtp_server", "email_from", "email_maxperhour", "email_idsname", "white_list" },
        ["alerts"] = new[] { "log_alert_level", "email_alert_level" },
        ["syscheck"] = new[] { "disabled", "frequency", "scan_time", "scan_day", "scan_on_start", "alert_new_files", "auto_ignore", "skip_nfs", "directories", "ignore", "nodiff" },
        ["hids"] = Schema.Hids,
    };
    private static readonly string[] ActiveResponseOrder = { "disabled", "command", "location", "agent_id", "level", "rules_id", "rules_group", "timeout", "repeated_offenders" };
    private static readonly string[] LocalFileOrder = { "log_format", "location", "command", "alias", "frequency", "only-future-events" };

    private XNode2 EnsureSection(string name)
    {
        var s = Sections(name).FirstOrDefault();
        if (s is not null) return s;
        var root = Roots()[^1];
        InsertChild(root, $"<{name}>\n</{name}>", blankLine: true);
        _changes.Add($"Add <{name}> section");
        return Sections(name).First();
    }

    private void InsertOrdered(XNode2 parent, string element, string xml)
    {
        var order = Order.TryGetValue(parent.Name, out var o) ? o : Array.Empty<string>();
        SetOrInsert(parent, element, xml, order);
    }

    private void SetChild(XNode2 parent, string element, string value, string[] order)
    {
        var n = parent.Elements(element).LastOrDefault();
        if (n is not null) { if (n.Text != value) ReplaceContent(n, Esc(value)); return; }
        SetOrInsert(parent, element, $"<{element}>{Esc(value)}</{element}>", order);
    }

    private void SetOrInsert(XNode2 parent, string element, string xml, string[] order)
    {
        int idx = Array.IndexOf(order, element);
        XNode2? after = null;
        if (idx >= 0)
            after = parent.Children.LastOrDefault(c => { int i = Array.IndexOf(order, c.Name); return i >= 0 && i <= idx; });
        if (after is not null) { InsertAfter(after, xml, blankLine: false); return; }
        var before = idx >= 0 ? parent.Children.FirstOrDefault(c => Array.IndexOf(order, c.Name) > idx) : null;
        if (before is not null) InsertBefore(before, xml);
        else InsertChild(parent, xml, blankLine: false);
    }

    // =====================================================================================
    // Text primitives (every one is followed by a re-parse through the callers' queries)
    // =====================================================================================

    private void Splice(int start, int end, string replacement) => Text = string.Concat(Text.AsSpan(0, start), replacement, Text.AsSpan(end));

    private int LineStart(int offset) { int i = offset > 0 ? Text.LastIndexOf('\n', offset - 1) : -1; return i + 1; }
    private int LineEnd(int offset) { int i = Text.IndexOf('\n', offset); return i < 0 ? Text.Length : i; }
    private static bool Blank(ReadOnlySpan<char> s) { foreach (var c in s) if (!char.IsWhiteSpace(c)) return false; return true; }

    private string IndentOf(XNode2 n)
    {
        int ls = LineStart(n.StartOffset);
        var pre = Text.AsSpan(ls, n.StartOffset - ls);
        if (Blank(pre)) return pre.ToString();
        return n.Parent is null ? "" : IndentOf(n.Parent) + Unit;
    }

    // Blocks are composed with "\n"; written with the file's line ending and the target indentation.
    private string IndentBlock(string xml, string indent) => xml.Replace("\n", _nl + indent);

    private static string DetectIndentUnit(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('\t')) return "\t";
            if (line.StartsWith(' ') && line.TrimStart().StartsWith('<'))
            {
                int n = line.Length - line.TrimStart(' ').Length;
                return new string(' ', Math.Clamp(n, 1, 8));
            }
        }
        return "  ";
    }

    private void InsertAfter(XNode2 anchor, string xml, bool blankLine)
    {
        var indent = IndentOf(anchor);
        int pos = anchor.EndOffset;
        int le = LineEnd(pos);
        var rest = Text.AsSpan(pos, le - pos).Trim();
        if (rest.Length == 0 || (rest.StartsWith("<!--") && rest.EndsWith("-->") && rest.IndexOf("-->") == rest.Length - 3))
            pos = le > pos && Text[le - 1] == '\r' ? le - 1 : le;
        Splice(pos, pos, (blankLine ? _nl : "") + _nl + indent + IndentBlock(xml, indent));
    }

    private void InsertBefore(XNode2 node, string xml)
    {
        var indent = IndentOf(node);
        int ls = LineStart(node.StartOffset);
        if (Blank(Text.AsSpan(ls, node.StartOffset - ls)))
            Splice(ls, ls, indent + IndentBlock(xml, indent) + _nl);
        else
            Splice(node.StartOffset, node.StartOffset, IndentBlock(xml, indent) + _nl + indent);
    }

    /// <summary>Appends a child at the end of <paramref name="parent"/>.</summary>
    private void InsertChild(XNode2 parent, string xml, bool blankLine)
    {
        var parentIndent = IndentOf(parent);
        var indent = parent.Children.Count > 0 ? IndentOf(parent.Children[^1]) : parentIndent + Unit;
        var block = IndentBlock(xml, indent);
        if (parent.SelfClosing)
        {
            var tag = Text[parent.StartOffset..parent.EndOffset].TrimEnd('>').TrimEnd('/').TrimEnd();
            Splice(parent.StartOffset, parent.EndOffset, $"{tag}>{_nl}{indent}{block}{_nl}{parentIndent}</{parent.Name}>");
            return;
        }
        var content = Text.AsSpan(parent.ContentStart, parent.ContentEnd - parent.ContentStart);
        int nl = content.LastIndexOf('\n');
        bool hasContent = !Blank(content);
        var sep = blankLine && hasContent ? _nl : "";
        if (nl >= 0 && Blank(content[(nl + 1)..]))
        {
            int at = parent.ContentStart + nl;
            if (at > parent.ContentStart && Text[at - 1] == '\r') at--;
            Splice(at, at, sep + _nl + indent + block);
        }
        else
            Splice(parent.ContentEnd, parent.ContentEnd, sep + _nl + indent + block + _nl + parentIndent);
    }

    private void ReplaceContent(XNode2 n, string value)
    {
        if (n.SelfClosing)
        {
            var tag = Text[n.StartOffset..n.EndOffset].TrimEnd('>').TrimEnd('/').TrimEnd();
            Splice(n.StartOffset, n.EndOffset, $"{tag}>{value}</{n.Name}>");
        }
        else Splice(n.ContentStart, n.ContentEnd, value);
    }

    private void RemoveNode(XNode2 n)
    {
        int s = n.StartOffset, e = n.EndOffset;
        int ls = LineStart(s), le = LineEnd(e);
        if (Blank(Text.AsSpan(ls, s - ls)) && Blank(Text.AsSpan(e, le - e)))
        {
            s = ls; e = le < Text.Length ? le + 1 : le;
            // don't leave two blank lines (or a blank line before a closing tag) behind
            if (s > 0)
            {
                int pls = LineStart(s - 1);
                bool prevBlank = Blank(Text.AsSpan(pls, s - 1 - pls));
                int nle = LineEnd(e);
                var next = Text.AsSpan(e, nle - e).Trim();
                if (prevBlank && (next.Length == 0 || next.StartsWith("</"))) s = pls;
            }
        }
        Splice(s, e, "");
    }

    // Values are written raw (OSSEC does not decode entities); a literal '<' is written as OSSEC's "\<".
    private static string Esc(string v) => v.Replace("<", "\\<");

    private static void CheckValue(string v, string what)
    {
        if (string.IsNullOrWhiteSpace(v)) throw new ConfigurationEditException($"The {what} value is empty.", "InvalidValue");
        if (v.Contains('\n') || v.Contains('\r')) throw new ConfigurationEditException($"The {what} value '{v}' contains a line break.", "InvalidValue");
        if (v != v.Trim()) throw new ConfigurationEditException($"The {what} value '{v}' starts or ends with spaces.", "InvalidValue");
        if (v.Contains("</") || v.Contains("<!--")) throw new ConfigurationEditException($"The {what} value '{v}' contains XML markup.", "InvalidValue");
        // OSSEC's reader takes "\<" as an escaped '<': a value ending in a backslash would swallow its closing tag.
        if (v.EndsWith('\\')) throw new ConfigurationEditException($"The {what} value '{v}' ends with a backslash, which OSSEC's format cannot hold before a closing tag.", "InvalidValue");
    }

    private static void CheckAttr(string v, string what)
    {
        if (v.Contains('"') || v.Contains('\n')) throw new ConfigurationEditException($"The {what} value '{v}' cannot contain a double quote or a line break.", "InvalidValue");
    }
}
