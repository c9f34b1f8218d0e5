using System.Text.RegularExpressions;
using Hids.Engine.Xml;

namespace Hids.Engine.Tests.Analysis.Matching;

/// <summary>Pattern texts of given elements in the OSSEC 3.2.0 ruleset (read in place from ../shared).</summary>
internal static class RulesetPatterns
{
    public static IEnumerable<string> Elements(IEnumerable<string> names)
    {
        var set = new HashSet<string>(names);
        string root = Path.Combine(TestPaths.Conformance, "ossec-3.2.0");
        var files = new List<string> { Path.Combine(root, "decoder.xml") };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "rules"), "*.xml").OrderBy(f => f, StringComparer.Ordinal));
        var result = new List<string>();
        foreach (var f in files)
        {
            try
            {
                foreach (var node in OssecXmlReader.ReadFile(f))
                foreach (var n in Walk(node))
                    if (set.Contains(n.Name) && n.Children.Count == 0) result.Add(n.Text);
            }
            catch (OssecXmlException)
            {
                // the XML reader's own tests cover its limits; here a plain scan of the elements is enough
                foreach (Match m in Regex.Matches(File.ReadAllText(f), @"<(\w+)(?:\s[^>]*)?>([^<]*)</\1>"))
                    if (set.Contains(m.Groups[1].Value)) result.Add(m.Groups[2].Value);
            }
        }
        return result;
    }

    private static IEnumerable<XNode2> Walk(XNode2 n)
    {
        yield return n;
        foreach (var c in n.Children)
        foreach (var d in Walk(c)) yield return d;
    }
}
