using Hids.Engine.Core;

namespace Hids.Engine.Configuration;

/// <summary>The decoder and rule files an instance loads, in load order.</summary>
public sealed class RulesFileSet
{
    public IReadOnlyList<string> DecoderFiles { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> RuleFiles { get; init; } = Array.Empty<string>();
    /// <summary>Files named explicitly (include/decoder) that do not exist. Folders' contents are only listed when present.</summary>
    public IReadOnlyList<string> Missing { get; init; } = Array.Empty<string>();
}

/// <summary>
/// One resolution of the &lt;rules&gt; section shared by the rule loader, the monitor and Test-HidsConfiguration:
/// <list type="bullet">
/// <item>&lt;include&gt;x.xml&lt;/include&gt; names a file in the instance's rules/ folder, except local_rules.xml, which
/// is the user's etc/local_rules.xml. An absolute path is taken as it is; a name with a '/' is relative to the instance.</item>
/// <item>&lt;rule_dir&gt;, &lt;decoder&gt; and &lt;decoder_dir&gt; are relative to the instance root (or absolute).</item>
/// <item>Decoders default to rules/decoder.xml; etc/local_decoder.xml is always loaded last when it exists.</item>
/// <item>&lt;exclude&gt; removes a file (by name) from the rule files.</item>
/// </list>
/// </summary>
public static class RulesPaths
{
    public const string LocalRulesName = "local_rules.xml";
    public const string DefaultDecoderName = "decoder.xml";

    public static RulesFileSet Resolve(InstancePaths paths, RulesOptions rules)
    {
        var missing = new List<string>();
        var decoders = new List<string>();
        if (rules.Decoder.Count == 0 && rules.DecoderDir.Count == 0)
        {
            var d = Path.Combine(paths.RulesDir, DefaultDecoderName);
            decoders.Add(d);
            if (!File.Exists(d)) missing.Add(d);
        }
        foreach (var d in rules.Decoder)
        {
            var f = FromRoot(paths, d);
            AddOnce(decoders, f);
            if (!File.Exists(f)) missing.Add(f);
        }
        foreach (var dir in rules.DecoderDir)
            foreach (var f in XmlFiles(FromRoot(paths, dir))) AddOnce(decoders, f);
        if (File.Exists(paths.LocalDecoders)) AddOnce(decoders, paths.LocalDecoders);

        var ruleFiles = new List<string>();
        foreach (var inc in rules.Include)
        {
            var f = IncludePath(paths, inc);
            AddOnce(ruleFiles, f);
            if (!File.Exists(f)) missing.Add(f);
        }
        foreach (var dir in rules.RuleDir)
            foreach (var f in XmlFiles(FromRoot(paths, dir))) AddOnce(ruleFiles, f);
        if (rules.Exclude.Count > 0)
            ruleFiles.RemoveAll(f => rules.Exclude.Any(x => string.Equals(Path.GetFileName(f), Path.GetFileName(x), StringComparison.Ordinal)));
        return new RulesFileSet { DecoderFiles = decoders, RuleFiles = ruleFiles, Missing = missing.Distinct().ToList() };
    }

    /// <summary>The file an &lt;include&gt; names.</summary>
    public static string IncludePath(InstancePaths paths, string include)
    {
        if (Path.IsPathRooted(include)) return include;
        if (include == LocalRulesName) return paths.LocalRules;
        if (include.Contains('/')) return Path.GetFullPath(Path.Combine(paths.Root, include));
        return Path.Combine(paths.RulesDir, include);
    }

    /// <summary>A path relative to the instance root (or absolute).</summary>
    public static string FromRoot(InstancePaths paths, string p) => Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(paths.Root, p));

    private static IEnumerable<string> XmlFiles(string dir)
        => Directory.Exists(dir) ? Directory.GetFiles(dir, "*.xml").OrderBy(f => f, StringComparer.Ordinal) : Enumerable.Empty<string>();

    private static void AddOnce(List<string> list, string f) { if (!list.Contains(f)) list.Add(f); }
}
