using System.Text.Json;
using Hids.Engine.Analysis.Matching;
using Xunit.Abstractions;

namespace Hids.Engine.Tests.Analysis.Matching;

/// <summary>
/// OsRegex against the oracle: what the native OSSEC 3.2.0 os_regex returned on 503 cases of Wazuh's os_regex
/// corpus (../shared/conformance/os-regex-cases). Compile result, match result, end of match and captured groups
/// must all agree; the few cases listed in <see cref="KnownDivergent"/> are allowed to differ, for the reason given.
/// </summary>
public sealed class OsRegexOracleTests
{
    private readonly ITestOutputHelper _out;
    public OsRegexOracleTests(ITestOutputHelper output) => _out = output;

    /// <summary>Case number (index in the oracle file) → why Hids differs there on purpose.</summary>
    public static readonly IReadOnlyDictionary<int, string> KnownDivergent = new Dictionary<int, string>
    {
    };

    private static string CasesDir => Path.Combine(TestPaths.Conformance, "os-regex-cases");

    public sealed record OracleCase(int Id, string Suite, string Description, string Pattern, string Log,
        bool Compiles, bool? Matched, string? EndMatch, string[] Groups, string? KnownIssue);

    public static List<OracleCase> LoadCases()
    {
        using var oracle = JsonDocument.Parse(File.ReadAllText(Path.Combine(CasesDir, "ossec-3.2.0-native-results.json")));
        using var corpus = JsonDocument.Parse(File.ReadAllText(Path.Combine(CasesDir, "test_os_regex_execute.json")));

        // the corpus: suites of unit tests; the oracle lists (a subset of) them in the same order
        var flat = new List<(string Suite, JsonElement Test)>();
        foreach (var suite in corpus.RootElement.EnumerateArray())
        {
            string sd = suite.GetProperty("description").GetString() ?? "";
            foreach (var t in suite.GetProperty("batch_test").EnumerateArray()) flat.Add((sd, t.Clone()));
        }

        var list = new List<OracleCase>();
        int cursor = 0, id = 0;
        foreach (var r in oracle.RootElement.EnumerateArray())
        {
            string suite = r.GetProperty("suite").GetString() ?? "";
            string pattern = r.GetProperty("pattern").GetString()!;
            string log = r.GetProperty("log").GetString()!;
            // find the corpus entry (same suite, pattern and log) to carry the corpus' own notes along
            string? known = null;
            for (int k = cursor; k < flat.Count; k++)
            {
                var t = flat[k].Test;
                if (flat[k].Suite == suite && t.GetProperty("pattern").GetString() == pattern && t.GetProperty("log").GetString() == log)
                {
                    foreach (var prop in t.EnumerateObject())
                        if (prop.Name.StartsWith("__know", StringComparison.OrdinalIgnoreCase)) { known = prop.Value.ToString(); break; }
                    cursor = k + 1;
                    break;
                }
            }
            var res = r.GetProperty("ossec_3_2_0");
            bool compiles = res.GetProperty("compiles").GetBoolean();
            bool? matched = res.TryGetProperty("matched", out var m) ? m.GetBoolean() : null;
            string? end = res.TryGetProperty("end_match", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var groups = res.TryGetProperty("captured_groups", out var g)
                ? g.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : Array.Empty<string>();
            list.Add(new OracleCase(id++, suite, r.GetProperty("description").GetString() ?? "", pattern, log,
                compiles, matched, end, groups, known));
        }
        return list;
    }

    /// <summary>Runs one case; returns null when Hids agrees with OSSEC, else the reason.</summary>
    public static string? Check(OracleCase c)
    {
        OsRegex re;
        try { re = OsRegex.Compile(c.Pattern); }
        catch (PatternException ex)
        {
            return c.Compiles ? $"OSSEC compiles it, Hids does not: {ex.Message}" : null;
        }
        if (!c.Compiles) return "OSSEC rejects the pattern, Hids compiles it";
        if (c.Matched is null) return null; // compile-only case

        var groups = new List<string>();
        bool matched = re.TryMatch(c.Log, groups, out int endIndex);
        if (matched != c.Matched.Value)
            return $"match: OSSEC {c.Matched}, Hids {matched}";
        // IsMatch must agree with TryMatch when the pattern has no groups (same code path in OSSEC)
        if (!re.HasGroups && re.IsMatch(c.Log) != matched)
            return "IsMatch and TryMatch disagree";
        if (!matched) return null;
        // OSSEC returns a pointer to the last matched character; before the input (endIndex 0) it reads as "".
        string end = endIndex <= 0 ? "" : c.Log[(endIndex - 1)..];
        if (c.EndMatch is not null && end != c.EndMatch)
            return $"end of match: OSSEC '{c.EndMatch}', Hids '{end}'";
        if (!groups.SequenceEqual(c.Groups))
            return $"groups: OSSEC [{string.Join(", ", c.Groups.Select(x => $"'{x}'"))}], Hids [{string.Join(", ", groups.Select(x => $"'{x}'"))}]";
        return null;
    }

    [Fact]
    public void Oracle_has_503_cases()
    {
        Assert.Equal(503, LoadCases().Count);
    }

    [Fact]
    public void At_least_500_of_503_cases_agree_with_native_OSSEC_and_only_known_cases_diverge()
    {
        var cases = LoadCases();
        var diverging = new List<string>();
        var unexpected = new List<string>();
        int agree = 0;
        foreach (var c in cases)
        {
            string? why = Check(c);
            if (why is null) { agree++; continue; }
            string line = $"#{c.Id} [{c.Suite}] {c.Description} | pattern '{c.Pattern}' log '{c.Log}': {why}";
            diverging.Add(line + (KnownDivergent.TryGetValue(c.Id, out var reason) ? $" (known: {reason})" : ""));
            if (!KnownDivergent.ContainsKey(c.Id)) unexpected.Add(line);
        }
        _out.WriteLine($"{agree} of {cases.Count} cases agree with OSSEC 3.2.0");
        foreach (var d in diverging) _out.WriteLine(d);
        Assert.True(unexpected.Count == 0, "unexpected divergences:\n" + string.Join("\n", unexpected));
        Assert.True(agree >= 500, $"only {agree} of {cases.Count} agree");
    }
}
