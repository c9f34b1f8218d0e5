using Hids.Engine.Analysis;
using Xunit;
using Xunit.Abstractions;

namespace Hids.Engine.Tests.Analysis;

/// <summary>
/// Runs OSSEC's own ruleset test suites (../shared/conformance/*/tests/*.ini) against the real rulesets, in place.
/// 3.2.0 must pass every case (239 of 239, as the real OSSEC does); main at least the real OSSEC's 258 of 264, and
/// every miss must be one of the known, explained ones.
/// </summary>
public sealed class ConformanceTests
{
    private readonly ITestOutputHelper _out;
    public ConformanceTests(ITestOutputHelper o) { _out = o; }

    private static readonly Lazy<RulesetLoadResult> Ossec32 = new(() => RulesetLoader.LoadFolder(Path.Combine(TestPaths.Conformance, "ossec-3.2.0")));
    private static readonly Lazy<RulesetLoadResult> OssecMain = new(() => RulesetLoader.LoadFolder(Path.Combine(TestPaths.Conformance, "ossec-main")));

    internal static List<RuleTestCaseResult> RunSuite(Ruleset set, string dir)
    {
        var results = new List<RuleTestCaseResult>();
        foreach (var f in Directory.GetFiles(Path.Combine(dir, "tests"), "*.ini").OrderBy(x => x, StringComparer.Ordinal))
            results.AddRange(RuleTestFile.Run(set, f));
        return results;
    }

    private void Report(List<RuleTestCaseResult> results)
    {
        foreach (var r in results.Where(r => !r.Passed))
            _out.WriteLine($"MISS {Path.GetFileName(r.File)}:{r.Line} [{r.Section}] {r.Kind}: {r.Reason} :: {r.Log}");
        _out.WriteLine($"{results.Count(r => r.Passed)} of {results.Count} passed");
    }

    [Fact]
    public void Ossec320_ruleset_loads_without_errors()
    {
        var res = Ossec32.Value;
        foreach (var d in res.Diagnostics) _out.WriteLine(d.ToString());
        Assert.False(res.HasErrors);
        Assert.True(res.Ruleset.Rules.Count > 1000);
        Assert.True(res.Ruleset.Decoders.Count > 300);
    }

    [Fact]
    public void Ossec320_suite_passes_239_of_239()
    {
        var results = RunSuite(Ossec32.Value.Ruleset, Path.Combine(TestPaths.Conformance, "ossec-3.2.0"));
        Report(results);
        Assert.Equal(239, results.Count);
        Assert.Equal(239, results.Count(r => r.Passed));
    }

    [Fact]
    public void OssecMain_ruleset_loads_without_errors()
    {
        var res = OssecMain.Value;
        foreach (var d in res.Diagnostics) _out.WriteLine(d.ToString());
        Assert.False(res.HasErrors);
    }

    [Fact]
    public void OssecMain_suite_passes_at_least_258_of_264()
    {
        var results = RunSuite(OssecMain.Value.Ruleset, Path.Combine(TestPaths.Conformance, "ossec-main"));
        Report(results);
        Assert.Equal(264, results.Count);
        Assert.True(results.Count(r => r.Passed) >= 258);
        var unexpected = results.Where(r => !r.Passed && !KnownMainMisses.ContainsKey((Path.GetFileName(r.File), r.Line))).ToList();
        Assert.True(unexpected.Count == 0, "unexpected misses: " + string.Join("; ", unexpected.Select(u => $"{Path.GetFileName(u.File)}:{u.Line} {u.Reason}")));
    }

    /// <summary>The real OSSEC (main) fails these six cases of its own suite too; Hids gives the same answers.</summary>
    private static readonly Dictionary<(string File, int Line), string> KnownMainMisses = new()
    {
        [("msauth.ini", 2)] = "the line carries an agent prefix '(ossec.test) 172.16.64.192->WinEvtLog' that no decoder takes",
        [("msauth.ini", 3)] = "the same agent prefix: no decoder takes it",
        [("snort.ini", 2)] = "rule 20100 (first time seen, if_fts) fires first: the expected 20101 assumes the signature was seen before, state ossec-logtest never keeps",
        [("snort.ini", 8)] = "as snort.ini:2: first-time-seen state",
        [("web_appsec.ini", 65)] = "31508 is pre-empted by the generic 4xx rule 31101 (level 5 is tried before the children of 31100 of lower level)",
        [("web_appsec.ini", 136)] = "31530 is pre-empted by the generic 4xx rule 31101",
    };
}
