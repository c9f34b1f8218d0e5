using System.Diagnostics;
using System.Text;
using Hids.Engine.Analysis;
using Xunit;

namespace Hids.Engine.Tests.Analysis;

/// <summary>Hostile input: huge lines, catastrophic PCRE2 patterns, NUL bytes and invalid UTF-8 never stall or crash.</summary>
public sealed class SafetyTests
{
    private static Ruleset Load(string rules) => RulesetLoader.LoadText(
        new[] { ("decoder.xml", "<decoder name=\"app\"><prematch>^app: </prematch></decoder>") },
        new[] { ("r.xml", "<group name=\"syslog\"><rule id=\"1\" level=\"0\" noalert=\"1\"><category>syslog</category><description>t</description></rule></group>"), ("l.xml", rules) }).Ruleset;

    [Fact]
    public void A_10_MB_line_is_truncated_and_still_processed()
    {
        var set = Load("<group name=\"l\"><rule id=\"100001\" level=\"5\"><decoded_as>app</decoded_as><match>needle</match><description>x</description></rule></group>");
        using var e = new RuleEngine(set);
        var line = "app: needle " + new string('a', 10 * 1024 * 1024);
        var r = e.Evaluate(new LogEvent { FullLog = line, Location = "x" });
        Assert.Equal(100001, r.Rule!.Id);
        Assert.Equal(65536, r.Alert!.FullLog.Length);
    }

    [Fact]
    public void A_catastrophic_pcre2_pattern_is_bounded_and_the_next_event_is_processed()
    {
        var set = Load("<group name=\"l\"><rule id=\"100001\" level=\"5\"><decoded_as>app</decoded_as><pcre2>^(a+)+$</pcre2><description>evil</description></rule>" +
                       "<rule id=\"100002\" level=\"3\"><decoded_as>app</decoded_as><match>ok</match><description>fine</description></rule></group>");
        using var e = new RuleEngine(set);
        var sw = Stopwatch.StartNew();
        var r = e.Evaluate(new LogEvent { FullLog = "app: " + new string('a', 5000) + "!", Location = "x" });
        Assert.Null(r.Alert);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "bounded");
        Assert.Equal(100002, e.Evaluate(new LogEvent { FullLog = "app: ok", Location = "x" }).Rule!.Id);
    }

    [Fact]
    public void Nul_bytes_end_the_line_as_in_ossec()
    {
        var set = Load("<group name=\"l\"><rule id=\"100001\" level=\"5\"><decoded_as>app</decoded_as><match>after</match><description>x</description></rule>" +
                       "<rule id=\"100002\" level=\"3\"><decoded_as>app</decoded_as><description>y</description></rule></group>");
        using var e = new RuleEngine(set);
        var r = e.Evaluate(new LogEvent { FullLog = "app: before\0after", Location = "x" });
        Assert.Equal(100002, r.Rule!.Id);
        Assert.Equal("app: before", r.Alert!.FullLog);
    }

    [Fact]
    public void Invalid_utf8_read_from_a_file_is_replaced_not_fatal()
    {
        var set = Load("<group name=\"l\"><rule id=\"100001\" level=\"5\"><decoded_as>app</decoded_as><pcre2>user \\S+ failed</pcre2><description>x</description></rule></group>");
        using var e = new RuleEngine(set);
        var bytes = Encoding.UTF8.GetBytes("app: user ").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.UTF8.GetBytes(" failed")).ToArray();
        var line = new UTF8Encoding(false, false).GetString(bytes);
        Assert.Equal(100001, e.Evaluate(new LogEvent { FullLog = line, Location = "x" }).Rule!.Id);
        // lone surrogates (what a bad decoder might hand over) do not crash the PCRE2 path either
        var r = e.Evaluate(new LogEvent { FullLog = "app: user \uD800x failed", Location = "x" });
        Assert.NotNull(r);
    }
}
