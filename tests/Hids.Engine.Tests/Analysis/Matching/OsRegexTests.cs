using Hids.Engine.Analysis.Matching;

namespace Hids.Engine.Tests.Analysis.Matching;

public sealed class OsRegexTests
{
    [Theory]
    [InlineData(@"\d\q", 2, "unknown escape")]
    [InlineData(@"(a(b))", 2, "nested")]
    [InlineData(@"(a|b)", 2, "inside parentheses")]
    [InlineData(@"(abc", 0, "unclosed")]
    [InlineData(@"abc)", 3, "without a matching")]
    [InlineData(@"abc\", 3, "lone backslash")]
    public void Bad_patterns_say_what_and_where(string pattern, int offset, string what)
    {
        var ex = Assert.Throws<PatternException>(() => OsRegex.Compile(pattern));
        Assert.Equal(pattern, ex.Pattern);
        Assert.Equal(offset, ex.Offset);
        Assert.Contains(what, ex.Message);
        Assert.Contains($"offset {offset}", ex.Message);
    }

    [Fact]
    public void Too_long_pattern_is_rejected_like_ossec()
    {
        Assert.Throws<PatternException>(() => OsRegex.Compile(new string('a', 2049)));
        OsRegex.Compile(new string('a', 2048));
    }

    [Fact]
    public void Sshd_decoder_regex_captures_user_ip_and_port()
    {
        var re = OsRegex.Compile(@"^Failed \S+ for invalid user (\S+) from (\S+) port (\d+) \w+$");
        var caps = new List<string>();
        string log = "Failed password for invalid user admin from 192.168.1.20 port 40122 ssh2";
        Assert.True(re.TryMatch(log, caps, out int end));
        Assert.Equal(new[] { "admin", "192.168.1.20", "40122" }, caps);
        Assert.True(end > 0 && end <= log.Length);
        Assert.True(re.IsMatch(log));
        Assert.False(re.IsMatch("Accepted password for admin from 192.168.1.20 port 40122 ssh2"));
    }

    [Fact]
    public void Classes_follow_ossec()
    {
        Assert.True(OsRegex.Compile(@"^\w+$").IsMatch("user@host-name_1"));     // \w has @ - _
        Assert.False(OsRegex.Compile(@"^\w+$").IsMatch("a.b"));
        Assert.True(OsRegex.Compile(@"a\sb").IsMatch("a b"));
        Assert.False(OsRegex.Compile(@"a\sb").IsMatch("a\tb"));                  // \s is the space only
        Assert.True(OsRegex.Compile(@"a\tb").IsMatch("a\tb"));
        Assert.True(OsRegex.Compile(@"^\p+$").IsMatch("!\"#$%&'()*+,-.:;<=>?[]{|}"));
        Assert.False(OsRegex.Compile(@"\p").IsMatch("/"));
        Assert.False(OsRegex.Compile(@"\p").IsMatch("@"));
        Assert.True(OsRegex.Compile(@"a\.c").IsMatch("a\u00e9c"));              // \. is any character
        Assert.True(OsRegex.Compile(@"\$\(\)\\\|\<").IsMatch(@"$()\|<"));
        Assert.True(OsRegex.Compile("a.c?[x]{y}").IsMatch("A.C?[X]{Y}"));       // unescaped . ? [ { are literal
        Assert.False(OsRegex.Compile("a.c").IsMatch("abc"));
        Assert.True(OsRegex.Compile("ab+").IsMatch("ab+"));                      // '+' after a literal is literal
        Assert.False(OsRegex.Compile("ab+").IsMatch("abb"));
    }

    [Fact]
    public void Alternatives_have_their_own_anchors()
    {
        var re = OsRegex.Compile(@"^abc|xyz$|^\d+$");
        Assert.True(re.IsMatch("abcdef"));
        Assert.False(re.IsMatch("zabc"));
        Assert.True(re.IsMatch("--xyz"));
        Assert.False(re.IsMatch("xyz--"));
        Assert.True(re.IsMatch("12345"));
        Assert.False(re.IsMatch("123a"));
    }

    [Fact]
    public void Captures_come_from_the_alternative_that_matched()
    {
        var re = OsRegex.Compile(@"^user (\w+)|^uid (\d+) name (\w+)");
        var caps = new List<string>();
        Assert.True(re.TryMatch("uid 1000 name bob", caps, out _));
        Assert.Equal(new[] { "1000", "bob" }, caps);
        Assert.True(re.TryMatch("user alice", caps, out _));
        Assert.Equal(new[] { "alice" }, caps);
        Assert.False(re.TryMatch("nobody", caps, out int end));
        Assert.Empty(caps);
        Assert.Equal(-1, end);
    }

    [Fact]
    public void Prematch_style_match_reports_the_end_without_captures()
    {
        foreach (var c in OsRegexOracleTests.LoadCases())
        {
            OsRegex re;
            try { re = OsRegex.Compile(c.Pattern); } catch (PatternException) { continue; }
            if (re.HasGroups) continue; // OSSEC's two paths only coincide without groups
            bool a = re.TryMatch(c.Log, new List<string>(), out int e1);
            bool b = re.TryMatch(c.Log.AsSpan(), out int e2);
            Assert.Equal(a, b);
            Assert.Equal(e1, e2);
        }
        var p = OsRegex.Compile(@"^sshd\p\d+\p: ");
        Assert.True(p.TryMatch("sshd[42]: Accepted".AsSpan(), out int end));
        Assert.Equal("Accepted", "sshd[42]: Accepted"[end..]);
    }

    [Fact]
    public void Skipping_start_positions_never_changes_a_result()
    {
        var rnd = new Random(1234);
        string[] tokens = { "a", "b", "x", " ", ":", @"\d", @"\d+", @"\d*", @"\w+", @"\w*", @"\s+", @"\s*", @"\S+", @"\p", @"\.+", @"\W" };
        string alphabet = "abxAB 1234:-_.";
        var caps1 = new List<string>();
        var caps2 = new List<string>();
        int checkedCases = 0;
        for (int n = 0; n < 3000; n++)
        {
            var sb = new System.Text.StringBuilder();
            sb.Append("ab x"[rnd.Next(4)]);                        // starts with a literal: the case the skip applies to
            int len = rnd.Next(1, 6);
            bool group = rnd.Next(3) == 0;
            int open = group ? rnd.Next(len) : -1;
            for (int i = 0; i < len; i++)
            {
                if (i == open) sb.Append('(');
                sb.Append(tokens[rnd.Next(tokens.Length)]);
            }
            if (group) sb.Append(')');
            if (rnd.Next(4) == 0) sb.Append('$');
            var re = OsRegex.Compile(sb.ToString());
            for (int k = 0; k < 5; k++)
            {
                var input = new string(Enumerable.Range(0, rnd.Next(0, 24)).Select(_ => alphabet[rnd.Next(alphabet.Length)]).ToArray());
                OsRegex.s_noSkip = true;
                bool m1 = re.TryMatch(input, caps1, out int e1);
                bool i1 = re.IsMatch(input);
                OsRegex.s_noSkip = false;
                bool m2 = re.TryMatch(input, caps2, out int e2);
                bool i2 = re.IsMatch(input);
                Assert.True(m1 == m2 && e1 == e2 && caps1.SequenceEqual(caps2) && i1 == i2, $"pattern '{re.Pattern}' input '{input}'");
                checkedCases++;
            }
        }
        Assert.Equal(15000, checkedCases);
    }

    [Fact]
    public void Nul_ends_the_input_as_in_c()
    {
        var re = OsRegex.Compile("secret");
        Assert.False(re.IsMatch("public\0secret"));
        Assert.True(re.IsMatch("secret\0public"));
        Assert.False(re.TryMatch("x\0secret", new List<string>(), out _));
    }

    [Fact]
    public void Literal_hints_for_valid_patterns()
    {
        var re = OsRegex.Compile(@"^Failed password for (\S+) from");
        Assert.Equal("failed password for ", re.LiteralPrefix);
        Assert.Equal("failed password for ", re.RequiredLiteral);
        Assert.Null(OsRegex.Compile(@"\d+ login").LiteralPrefix);
        Assert.Equal(" login", OsRegex.Compile(@"\d+ login").RequiredLiteral);
        Assert.Null(OsRegex.Compile(@"a|b").RequiredLiteral);
    }

    [Fact]
    public void IsMatch_does_not_allocate()
    {
        var re = OsRegex.Compile(@"^Failed \S+ for invalid user (\S+) from (\S+) port (\d+) \w+$");
        string line = "Failed password for invalid user admin from 10.0.0.5 port 53644 ssh2";
        Assert.True(re.IsMatch(line));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) re.IsMatch(line);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Every_os_regex_pattern_of_the_ossec_320_ruleset_compiles()
    {
        int n = 0;
        foreach (var text in RulesetPatterns.Elements(new[] { "regex", "prematch" }))
        {
            OsRegex.Compile(text);
            n++;
        }
        Assert.True(n > 400, $"only {n} patterns found");
    }

    [Fact]
    public void The_literal_prefilter_never_changes_a_result()
    {
        // every oracle pattern/log, with and without the pre-filter, with and without captures
        foreach (var c in OsRegexOracleTests.LoadCases())
        {
            OsRegex re;
            try { re = OsRegex.Compile(c.Pattern); } catch (PatternException) { continue; }
            Assert.Equal(re.IsMatchUnfiltered(c.Log), re.IsMatch(c.Log));
        }
        // and shifted variants of real sshd lines against the ruleset's patterns
        string[] lines =
        {
            "Failed password for invalid user admin from 10.0.0.5 port 53644 ssh2",
            "Accepted publickey for root from 192.168.0.2 port 2222 ssh2",
            "pam_unix(sudo:session): session opened for user root by bob(uid=0)",
            "Invalid user test from 1.2.3.4",
        };
        foreach (var text in RulesetPatterns.Elements(new[] { "regex", "prematch" }))
        {
            var re = OsRegex.Compile(text);
            foreach (var l in lines)
                Assert.Equal(re.IsMatchUnfiltered(l), re.IsMatch(l));
        }
    }
}
