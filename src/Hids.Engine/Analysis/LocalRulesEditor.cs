using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hids.Engine.Core;
using Hids.Engine.Xml;

namespace Hids.Engine.Analysis;

/// <summary>The outcome of planning a change to local_rules.xml.</summary>
public sealed class LocalRulesChange
{
    public string Path { get; init; } = "";
    public string OldText { get; init; } = "";
    public string NewText { get; init; } = "";
    public bool Changed => !string.Equals(OldText, NewText, StringComparison.Ordinal);
    /// <summary>True when an existing overwrite="yes" rule was updated in place (false: a new copy was added).</summary>
    public bool UpdatedInPlace { get; init; }
    public IReadOnlyList<HidsDiagnostic> Diagnostics { get; init; } = Array.Empty<HidsDiagnostic>();
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>
/// Writes rule overrides into local_rules.xml the way OSSEC's documentation does by hand: a copy of the rule with
/// overwrite="yes" and the changed level/description, inside the file's &lt;group&gt;. Comments and everything else
/// in the file are kept byte for byte; running the same change twice leaves the file identical.
/// </summary>
public static class LocalRulesEditor
{
    public const string DefaultLocalRules = "<!-- Local rules: your own rules and overrides (overwrite=\"yes\"). Kept across upgrades. -->\n\n<group name=\"local,syslog,\">\n\n</group>\n";

    /// <summary>Plans the override of <paramref name="rule"/> with a new level and/or description.</summary>
    public static LocalRulesChange PlanOverride(string localRulesPath, RuleDefinition rule, int? level, string? description)
    {
        var old = File.Exists(localRulesPath) ? File.ReadAllText(localRulesPath) : DefaultLocalRules;
        var comments = CommentRanges(old);
        var text = old;
        bool inPlace = false;

        var m = FindRuleStart(text, comments, rule.Id, requireOverwrite: true);
        if (m != null)
        {
            // update the existing override in place: the level attribute and, when asked, the description
            inPlace = true;
            var tag = m.Value;
            var newTag = tag;
            if (level != null) newTag = SetAttr(newTag, "level", level.Value.ToString(CultureInfo.InvariantCulture));
            int end = FindRuleEnd(text, comments, m.Index + m.Length);
            var body = text[(m.Index + m.Length)..end];
            if (description != null)
            {
                var dm = Regex.Match(body, @"<description>.*?</description>", RegexOptions.Singleline);
                var esc = Escape(description);
                body = dm.Success ? body[..dm.Index] + "<description>" + esc + "</description>" + body[(dm.Index + dm.Length)..] : body;
            }
            text = text[..m.Index] + newTag + body + text[end..];
        }
        else
        {
            var block = Serialize(rule, level, description);
            int close = LastOutside(text, comments, "</group>");
            if (close < 0)
            {
                if (text.Length > 0 && !text.EndsWith('\n')) text += "\n";
                text += "\n<group name=\"local,syslog,\">\n\n" + block + "\n</group>\n";
            }
            else
            {
                // put the block on its own lines just before </group>
                int lineStart = text.LastIndexOf('\n', Math.Max(0, close - 1)) + 1;
                bool onlySpaceBefore = text[lineStart..close].Trim().Length == 0;
                int at = onlySpaceBefore ? lineStart : close;
                var prefix = onlySpaceBefore ? "" : "\n";
                text = text[..at] + prefix + block + "\n" + text[at..];
            }
        }
        return new LocalRulesChange { Path = localRulesPath, OldText = old, NewText = text, UpdatedInPlace = inPlace };
    }

    /// <summary>Writes the change atomically (temp file + rename), keeping a .bak of the previous file.</summary>
    /// <summary>Loads the instance's decoders and rules (the files of <paramref name="current"/>, the instance's ruleset
    /// as loaded now) with local_rules.xml as <paramref name="change"/> would leave it (in memory: nothing is written).
    /// Errors naming local_rules.xml are the change's.</summary>
    public static RulesetLoadResult Validate(InstancePaths paths, Ruleset current, LocalRulesChange change)
    {
        var rules = current.RuleFiles.ToList();
        if (!rules.Contains(paths.LocalRules, StringComparer.Ordinal)) rules.Add(paths.LocalRules);
        return RulesetLoader.LoadFiles(current.DecoderFiles, rules, new Dictionary<string, string>(StringComparer.Ordinal) { [paths.LocalRules] = change.NewText });
    }

    public static void Apply(LocalRulesChange change)
    {
        if (!change.Changed) return;
        AtomicFile.WriteIfChanged(change.Path, change.NewText, keepBackup: true,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
    }

    /// <summary>The XML of an overwrite="yes" copy of the rule, indented as in OSSEC's documentation.</summary>
    public static string Serialize(RuleDefinition rule, int? level, string? description)
    {
        var n = rule.Node;
        var sb = new StringBuilder();
        sb.Append("  <rule id=\"").Append(rule.Id.ToString(CultureInfo.InvariantCulture)).Append("\" level=\"")
          .Append((level ?? rule.Level).ToString(CultureInfo.InvariantCulture)).Append('"');
        foreach (var a in n.Attributes)
        {
            if (a.Name is "id" or "level" or "overwrite") continue;
            sb.Append(' ').Append(a.Name).Append("=\"").Append(a.Value).Append('"');
        }
        sb.Append(" overwrite=\"yes\">\n");
        foreach (var c in n.Children)
        {
            sb.Append("    <").Append(c.Name);
            foreach (var a in c.Attributes) sb.Append(' ').Append(a.Name).Append("=\"").Append(a.Value).Append('"');
            var value = c.Name == "description" && description != null ? description : (c.RawText.Length > 0 && !c.RawText.Contains('\n') ? c.RawText : c.Text);
            if (value.Length == 0 && c.Children.Count == 0) { sb.Append(" />\n"); continue; }
            sb.Append('>').Append(Escape(value)).Append("</").Append(c.Name).Append(">\n");
        }
        if (description != null && !n.Children.Any(c => c.Name == "description"))
            sb.Append("    <description>").Append(Escape(description)).Append("</description>\n");
        sb.Append("  </rule>\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("<", "\\<");

    private static string SetAttr(string tag, string name, string value)
    {
        var re = new Regex(@"(\s" + name + @"\s*=\s*)(""[^""]*""|'[^']*')");
        return re.IsMatch(tag) ? re.Replace(tag, m => m.Groups[1].Value + "\"" + value + "\"", 1) : tag.Insert(tag.IndexOf(' ') + 1, $"{name}=\"{value}\" ");
    }

    private static List<(int Start, int End)> CommentRanges(string text)
    {
        var list = new List<(int, int)>();
        int i = 0;
        while ((i = text.IndexOf("<!--", i, StringComparison.Ordinal)) >= 0)
        {
            int e = text.IndexOf("-->", i + 4, StringComparison.Ordinal);
            e = e < 0 ? text.Length : e + 3;
            list.Add((i, e));
            i = e;
        }
        return list;
    }

    private static bool InComment(List<(int Start, int End)> c, int pos) => c.Any(r => pos >= r.Start && pos < r.End);

    private static Match? FindRuleStart(string text, List<(int, int)> comments, int id, bool requireOverwrite)
    {
        var re = new Regex(@"<rule\b[^>]*>", RegexOptions.Singleline);
        foreach (Match m in re.Matches(text))
        {
            if (InComment(comments, m.Index)) continue;
            var idm = Regex.Match(m.Value, @"\sid\s*=\s*[""']0*(\d+)[""']");
            if (!idm.Success || idm.Groups[1].Value != id.ToString(CultureInfo.InvariantCulture)) continue;
            if (requireOverwrite && !Regex.IsMatch(m.Value, @"\soverwrite\s*=\s*[""']yes[""']")) continue;
            return m;
        }
        return null;
    }

    private static int FindRuleEnd(string text, List<(int, int)> comments, int from)
    {
        int i = from;
        while ((i = text.IndexOf("</rule>", i, StringComparison.Ordinal)) >= 0)
        {
            if (!InComment(comments, i)) return i;
            i += 7;
        }
        return text.Length;
    }

    private static int LastOutside(string text, List<(int, int)> comments, string what)
    {
        int i = text.Length;
        while (i > 0 && (i = text.LastIndexOf(what, i - 1, StringComparison.Ordinal)) >= 0)
        {
            if (!InComment(comments, i)) return i;
        }
        return -1;
    }
}
