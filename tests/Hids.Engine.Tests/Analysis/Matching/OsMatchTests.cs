using Hids.Engine.Analysis.Matching;

namespace Hids.Engine.Tests.Analysis.Matching;

public sealed class OsMatchTests
{
    [Theory]
    [InlineData("Failed password", "sshd[123]: Failed password for root", true)]
    [InlineData("failed PASSWORD", "sshd[123]: Failed password for root", true)]
    [InlineData("Failed password", "sshd[123]: Accepted password for root", false)]
    [InlineData("^sshd", "sshd[123]: x", true)]
    [InlineData("^sshd", "xsshd[123]: x", false)]
    [InlineData("root$", "for ROOT", true)]
    [InlineData("root$", "for root now", false)]
    [InlineData("^root$", "ROOT", true)]
    [InlineData("^root$", "rooty", false)]
    [InlineData("^root$", "", false)]
    [InlineData("^$", "", true)]
    [InlineData("^$", "x", false)]
    [InlineData("a|b|^c", "xxb", true)]
    [InlineData("a|b|^c", "xc", false)]
    [InlineData("a|b|^c", "cx", true)]
    [InlineData("x|y$", "ay", true)]
    [InlineData(@"C:\Windows", @"path c:\windows\system32", true)]   // backslash is literal
    [InlineData(@"\d+", "123", false)]
    [InlineData(@"\d+", @"a\d+b", true)]
    [InlineData("$BAD", "the $bad word", true)]                        // '$' not at the end is literal
    [InlineData("a^b", "a^b", true)]                                   // '^' not at the start is literal
    [InlineData("", "anything", true)]
    [InlineData("a||b", "zzz", true)]                                  // an empty alternative matches
    [InlineData("é", "É", false)]                                      // only ASCII letters fold
    [InlineData("é", "café", true)]
    [InlineData("user", "USER\0hidden", true)]
    [InlineData("hidden", "USER\0hidden", false)]                      // a NUL ends the input, as in C
    public void Matches_like_ossec(string pattern, string input, bool expected)
    {
        var m = OsMatch.Compile(pattern);
        Assert.Equal(expected, m.IsMatch(input));
        Assert.Equal(expected, m.IsMatch(input.AsSpan()));
        Assert.Equal(pattern, m.Pattern);
    }

    [Fact]
    public void Literal_hints()
    {
        Assert.Equal("sshd", OsMatch.Compile("^SSHD").LiteralPrefix);
        Assert.Equal("sshd", OsMatch.Compile("^SSHD").RequiredLiteral);
        Assert.Null(OsMatch.Compile("sshd").LiteralPrefix);
        Assert.Equal("sshd", OsMatch.Compile("sshd").RequiredLiteral);
        Assert.Null(OsMatch.Compile("a|b").RequiredLiteral);
        Assert.Null(OsMatch.Compile("a|b").LiteralPrefix);
    }

    [Fact]
    public void Too_long_pattern_is_a_clear_error()
    {
        var ex = Assert.Throws<PatternException>(() => OsMatch.Compile(new string('a', 3000)));
        Assert.Contains("longer than 2048", ex.Message);
        Assert.Equal(3000, ex.Pattern.Length);
    }

    [Fact]
    public void IsMatch_does_not_allocate()
    {
        var m = OsMatch.Compile("Failed password|Invalid user|^Accepted");
        string line = "sshd[2114]: Failed password for invalid user admin from 10.0.0.5 port 53644 ssh2";
        m.IsMatch(line);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) m.IsMatch(line);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Every_os_match_pattern_of_the_ossec_320_ruleset_compiles()
    {
        int n = 0;
        foreach (var text in RulesetPatterns.Elements(new[] { "match", "id", "user", "url", "program_name", "hostname", "status", "extra_data" }))
        {
            OsMatch.Compile(text);
            n++;
        }
        Assert.True(n > 500, $"only {n} patterns found");
    }
}
