using System.Diagnostics;
using Hids.Engine.Analysis.Matching;

namespace Hids.Engine.Tests.Analysis.Matching;

public sealed class Pcre2RegexTests
{
    [Fact]
    public void Matches_and_captures_with_pcre2_semantics()
    {
        using var re = Pcre2Regex.Compile(@"^Failed (\S+) for (?:invalid user )?(\S+) from (\d{1,3}(?:\.\d{1,3}){3}) port (\d+)");
        var caps = new List<string>();
        string log = "Failed password for invalid user admin from 10.0.0.5 port 53644 ssh2";
        Assert.True(re.TryMatch(log, caps, out int end));
        Assert.Equal(new[] { "password", "admin", "10.0.0.5", "53644" }, caps);
        Assert.Equal(log.IndexOf(" ssh2", StringComparison.Ordinal), end);
        Assert.True(re.IsMatch(log));
        Assert.False(re.IsMatch("Accepted password for root from 10.0.0.5 port 1 ssh2"));
        Assert.Equal(4, re.CaptureCount);
    }

    [Fact]
    public void Case_sensitivity_is_chosen_at_compile_time()
    {
        using var cs = Pcre2Regex.Compile("failed");
        using var ci = Pcre2Regex.Compile("failed", caseless: true);
        Assert.False(cs.IsMatch("FAILED login"));
        Assert.True(ci.IsMatch("FAILED login"));
        Assert.True(ci.Caseless);
    }

    [Fact]
    public void Unset_group_gives_empty_string_and_positions_count_characters_not_bytes()
    {
        using var re = Pcre2Regex.Compile(@"user=(\S+)(?: uid=(\d+))? (é+)"); // \w is ASCII-only without UCP, as in OSSEC
        var caps = new List<string>();
        string log = "naïve user=bøb ééé tail";
        Assert.True(re.TryMatch(log, caps, out int end));
        Assert.Equal(new[] { "bøb", "", "ééé" }, caps);
        Assert.Equal(log.IndexOf(" tail", StringComparison.Ordinal), end);
    }

    [Fact]
    public void Bad_pattern_says_what_and_where()
    {
        var ex = Assert.Throws<PatternException>(() => Pcre2Regex.Compile("abc(def"));
        Assert.Contains("PCRE2", ex.Message);
        Assert.Equal(7, ex.Offset);
        Assert.Equal("abc(def", ex.Pattern);
    }

    [Fact]
    public void Pathological_pattern_returns_no_match_in_bounded_time_and_counts_the_limit_hit()
    {
        using var re = Pcre2Regex.Compile(@"(a+)+$");
        using var re2 = Pcre2Regex.Compile(@"^(\w+\s?)*$");
        string evil = new string('a', 5000) + "b";
        string evil2 = string.Concat(Enumerable.Repeat("word ", 2000)) + "!";
        long before = Pcre2Regex.TotalLimitHits;
        var sw = Stopwatch.StartNew();
        Assert.False(re.IsMatch(evil));
        Assert.False(re2.IsMatch(evil2));
        Assert.False(re2.TryMatch(evil2, new List<string>(), out _));
        sw.Stop();
        // no timing assertion (shared machine); the limits are what bound it, and they must have been hit
        Assert.True(re.LimitHits + re2.LimitHits >= 1, $"limit hits: {re.LimitHits}, {re2.LimitHits}");
        Assert.True(Pcre2Regex.TotalLimitHits > before);
    }

    [Fact]
    public void Nul_and_invalid_utf16_are_handled()
    {
        using var re = Pcre2Regex.Compile(@"secret\x00(\w+)");
        var caps = new List<string>();
        Assert.True(re.TryMatch("public secret\0value", caps, out _));
        Assert.Equal(new[] { "value" }, caps);

        using var any = Pcre2Regex.Compile(@"^a.b$");
        Assert.True(any.IsMatch("a\ud800b")); // a lone surrogate becomes U+FFFD, one character
        using var bytes = Pcre2Regex.Compile(@"x(.)y");
        Assert.True(bytes.TryMatch("x\udc00y", caps, out int end));
        Assert.Equal(new[] { "\ufffd" }, caps);
        Assert.Equal(3, end);
    }

    [Fact]
    public void Long_line_is_matched()
    {
        using var re = Pcre2Regex.Compile(@"needle (\d+)$");
        string line = new string('x', 10 * 1024 * 1024) + " needle 42";
        var caps = new List<string>();
        Assert.True(re.TryMatch(line, caps, out int end));
        Assert.Equal("42", caps[0]);
        Assert.Equal(line.Length, end);
    }

    [Fact]
    public void Is_thread_safe()
    {
        using var re = Pcre2Regex.Compile(@"port (\d+)");
        Parallel.For(0, 8, t =>
        {
            var caps = new List<string>();
            for (int i = 0; i < 2000; i++)
            {
                string s = $"from 10.0.0.{t} port {i * 7 + t} ssh2";
                Assert.True(re.TryMatch(s, caps, out _));
                Assert.Equal((i * 7 + t).ToString(), caps[0]);
                Assert.False(re.IsMatch("no number here " + i));
            }
        });
    }

    [Fact]
    public void IsMatch_does_not_allocate()
    {
        using var re = Pcre2Regex.Compile(@"Failed \w+ for \S+ from \S+");
        string line = "sshd[99]: Failed password for root from 10.0.0.5 port 22 ssh2";
        Assert.True(re.IsMatch(line));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) re.IsMatch(line);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Disposed_pattern_throws()
    {
        var re = Pcre2Regex.Compile("x");
        re.Dispose();
        re.Dispose();
        Assert.Throws<ObjectDisposedException>(() => re.IsMatch("x"));
    }

    [Fact]
    public void Every_pcre2_pattern_of_the_ossec_main_ruleset_compiles()
    {
        string root = Path.Combine(TestPaths.Conformance, "ossec-main");
        var files = new List<string> { Path.Combine(root, "decoder.xml") };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "rules"), "*.xml"));
        int n = 0;
        foreach (var f in files)
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(
                     File.ReadAllText(f), @"<(\w+_pcre2|pcre2)(?:\s[^>]*)?>([^<]*)</\1>"))
        {
            // OSSEC's XML reader decodes no entities; the pattern is the raw text
            using var re = Pcre2Regex.Compile(m.Groups[2].Value);
            n++;
        }
        Assert.True(n > 100, $"only {n} pcre2 patterns found");
    }
}
