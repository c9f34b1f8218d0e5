using Hids.Engine.Analysis;
using Hids.Engine.Core;
using Xunit;

namespace Hids.Engine.Tests.Analysis;

public sealed class RuleEngineTests
{
    private const string Decoders = """
        <decoder name="sshd">
          <program_name>^sshd</program_name>
        </decoder>
        <decoder name="sshd-failed">
          <parent>sshd</parent>
          <prematch>^Failed \S+ </prematch>
          <regex offset="after_prematch">^for (\S+) from (\S+) port \d+ </regex>
          <order>user, srcip</order>
        </decoder>
        <decoder name="dpkg-date">
          <prematch>^\d\d\d\d-\d\d-\d\d \d\d:\d\d:\d\d </prematch>
        </decoder>
        <decoder name="fts-test">
          <prematch>^ftstest </prematch>
          <regex>^ftstest user=(\S+)</regex>
          <order>user</order>
          <fts>name, user</fts>
        </decoder>
        """;

    private const string Rules = """
        <var name="BADWORDS">failure|error</var>
        <group name="syslog">
          <rule id="1" level="0" noalert="1"><category>syslog</category><description>template</description></rule>
          <rule id="7" level="0" noalert="1"><category>ossec</category><description>ossec template</description></rule>
        </group>
        <group name="syslog,sshd,">
          <rule id="5700" level="0"><decoded_as>sshd</decoded_as><description>SSHD messages grouped.</description></rule>
          <rule id="5716" level="5"><if_sid>5700</if_sid><match>^Failed </match><description>SSHD authentication failed.</description><group>authentication_failed,</group></rule>
          <rule id="5717" level="0"><if_sid>5716</if_sid><srcip>10.0.0.0/8</srcip><description>internal</description></rule>
          <rule id="5720" level="10" frequency="3" timeframe="120"><if_matched_sid>5716</if_matched_sid><same_source_ip /><description>Multiple SSHD authentication failures.</description></rule>
          <rule id="5800" level="4"><if_sid>5700</if_sid><match>$BADWORDS</match><description>bad word</description></rule>
          <rule id="2900" level="0"><decoded_as>dpkg-date</decoded_as><description>dpkg</description></rule>
          <rule id="2902" level="7"><if_sid>2900</if_sid><match> status installed </match><description>New dpkg (Debian Package) installed.</description><options>alert_by_email</options></rule>
          <rule id="3000" level="6"><decoded_as>fts-test</decoded_as><if_fts /><description>first time user</description></rule>
          <rule id="3001" level="3"><decoded_as>fts-test</decoded_as><description>seen user</description></rule>
          <rule id="530" level="0"><match>^ossec: output: </match><description>command output</description></rule>
          <rule id="533" level="7"><if_sid>530</if_sid><match>ossec: output: 'netstat</match><check_diff /><description>Listened ports status (netstat) changed.</description></rule>
          <rule id="554" level="0"><category>ossec</category><decoded_as>syscheck_new_entry</decoded_as><description>File added to the system.</description><group>syscheck,</group></rule>
        </group>
        """;

    private static Ruleset Load(string? local = null)
    {
        var rules = new List<(string, string)> { ("rules.xml", Rules) };
        if (local != null) rules.Add(("local_rules.xml", local));
        var res = RulesetLoader.LoadText(new[] { ("decoder.xml", Decoders) }, rules);
        Assert.False(res.HasErrors, string.Join("\n", res.Diagnostics));
        return res.Ruleset;
    }

    private static LogEvent Ev(string line, DateTimeOffset? at = null, string loc = "/var/log/auth.log")
        => new() { FullLog = line, Location = loc, ReceivedAt = at ?? DateTimeOffset.Now };

    [Fact]
    public void Decodes_sshd_failure_and_fires_5716()
    {
        using var e = new RuleEngine(Load());
        var r = e.Evaluate(Ev("Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 192.168.1.7 port 22 ssh2"));
        Assert.Equal("web1", r.Event.Hostname);
        Assert.Equal("sshd", r.Event.ProgramName);
        Assert.Equal("sshd", r.Event.DecoderName);
        Assert.Equal("192.168.1.7", r.Event.SrcIp);
        Assert.Equal("root", r.Event.User);
        Assert.Equal(5716, r.Rule!.Id);
        Assert.NotNull(r.Alert);
        Assert.Equal(5, r.Alert!.Level);
        Assert.Equal(new[] { "syslog", "sshd", "authentication_failed" }, r.Alert.Groups);
        Assert.Matches(@"^\d+\.\d+$", r.Alert.AlertId);
    }

    [Fact]
    public void Cidr_child_of_level_zero_suppresses_the_alert()
    {
        using var e = new RuleEngine(Load());
        var r = e.Evaluate(Ev("Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 10.1.2.3 port 22 ssh2"));
        Assert.Equal(5717, r.Rule!.Id);
        Assert.Null(r.Alert);
    }

    [Fact]
    public void Frequency_fires_after_frequency_plus_two_events_from_the_same_source_within_the_timeframe()
    {
        using var e = new RuleEngine(Load());
        var t0 = DateTimeOffset.Now;
        var line = "Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 192.168.1.7 port 22 ssh2";
        var other = "Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 192.168.1.8 port 22 ssh2";
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(5716, e.Evaluate(Ev(line, t0.AddSeconds(i))).Rule!.Id);
            Assert.Equal(5716, e.Evaluate(Ev(other, t0.AddSeconds(i))).Rule!.Id);
        }
        var fired = e.Evaluate(Ev(line, t0.AddSeconds(5)));
        Assert.Equal(5720, fired.Rule!.Id);
        Assert.Equal(10, fired.Alert!.Level);
        Assert.Equal(4, fired.Alert.PreviousEvents.Length);
        // the events that made it fire do not make it fire again
        Assert.Equal(5716, e.Evaluate(Ev(line, t0.AddSeconds(6))).Rule!.Id);
    }

    [Fact]
    public void Frequency_window_uses_arrival_time()
    {
        using var e = new RuleEngine(Load());
        var t0 = DateTimeOffset.Now;
        var line = "Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 192.168.1.7 port 22 ssh2";
        for (int i = 0; i < 4; i++) e.Evaluate(Ev(line, t0.AddSeconds(i * 100)));
        Assert.Equal(5716, e.Evaluate(Ev(line, t0.AddSeconds(400))).Rule!.Id);
    }

    [Fact]
    public void Variables_are_substituted()
    {
        using var e = new RuleEngine(Load());
        Assert.Equal(5800, e.Evaluate(Ev("Feb  9 11:44:56 web1 sshd[1234]: fatal error in kex")).Rule!.Id);
    }

    [Fact]
    public void Dpkg_log_lines_keep_the_whole_line_and_decode_by_date()
    {
        using var e = new RuleEngine(Load());
        var r = e.Evaluate(Ev("2015-01-30 09:19:14 status installed nano:amd64 2.2.6-3", loc: "/var/log/dpkg.log"));
        Assert.Null(r.Event.ProgramName);
        Assert.Equal("dpkg-date", r.Event.DecoderName);
        Assert.Equal(2902, r.Rule!.Id);
        Assert.True(r.Alert!.AlertByEmail);
    }

    [Fact]
    public void Overwrite_replaces_level_and_keeps_the_tree_position()
    {
        var set = Load("""<group name="local,syslog,"><rule id="554" level="7" overwrite="yes"><category>ossec</category><decoded_as>syscheck_new_entry</decoded_as><description>File added to the system.</description><group>syscheck,</group></rule></group>""");
        Assert.Equal(7, set.GetRule(554)!.Level);
        Assert.True(set.GetRule(554)!.Overwritten);
        using var e = new RuleEngine(set);
        var ev = new LogEvent { FullLog = "New file '/var/www/x.php' added to the file system.", Location = "syscheck", DecoderName = "syscheck_new_entry",
            Syscheck = new SyscheckDetails { Path = "/var/www/x.php", Event = "Added" } };
        var r = e.Evaluate(ev);
        Assert.Equal(554, r.Rule!.Id);
        Assert.Equal(7, r.Alert!.Level);
        Assert.Equal("/var/www/x.php", r.Alert.Syscheck!.Path);
        Assert.Equal("syscheck_new_entry", r.Alert.Decoder);
    }

    [Fact]
    public void Preset_decoder_at_level_zero_does_not_alert()
    {
        using var e = new RuleEngine(Load());
        var r = e.Evaluate(new LogEvent { FullLog = "New file '/x' added", Location = "syscheck", DecoderName = "syscheck_new_entry" });
        Assert.Equal(554, r.Rule!.Id);
        Assert.Null(r.Alert);
    }

    [Fact]
    public void Check_diff_alerts_only_when_the_output_changes_and_keeps_the_previous_output()
    {
        using var dir = TestPaths.NewTempDir();
        var set = Load();
        string a = "ossec: output: 'netstat -tan':\ntcp 0 0 0.0.0.0:22 LISTEN", b = a + "\ntcp 0 0 0.0.0.0:8080 LISTEN";
        using (var e = new RuleEngine(set, new RuleEngineOptions { StateDirectory = dir.Path }))
        {
            Assert.Null(e.Evaluate(Ev(a, loc: "netstat -tan")).Alert);      // first output: baseline
            Assert.Null(e.Evaluate(Ev(a, loc: "netstat -tan")).Alert);      // unchanged
            var r = e.Evaluate(Ev(b, loc: "netstat -tan"));
            Assert.Equal(533, r.Alert!.RuleId);
            Assert.Equal(a, r.Alert.PreviousOutput);
        }
        using (var e2 = new RuleEngine(set, new RuleEngineOptions { StateDirectory = dir.Path }))
        {
            Assert.Null(e2.Evaluate(Ev(b, loc: "netstat -tan")).Alert);     // persisted across restarts
            Assert.Equal(533, e2.Evaluate(Ev(a, loc: "netstat -tan")).Alert!.RuleId);
        }
    }

    [Fact]
    public void First_time_seen_is_persisted_across_restarts()
    {
        using var dir = TestPaths.NewTempDir();
        var set = Load();
        using (var e = new RuleEngine(set, new RuleEngineOptions { StateDirectory = dir.Path }))
        {
            Assert.Equal(3000, e.Evaluate(Ev("ftstest user=alice")).Rule!.Id);
            Assert.Equal(3001, e.Evaluate(Ev("ftstest user=alice")).Rule!.Id);
            Assert.Equal(3000, e.Evaluate(Ev("ftstest user=bob")).Rule!.Id);
        }
        using var e2 = new RuleEngine(set, new RuleEngineOptions { StateDirectory = dir.Path });
        Assert.Equal(3001, e2.Evaluate(Ev("ftstest user=alice")).Rule!.Id);
        Assert.Equal(3000, e2.Evaluate(Ev("ftstest user=carol")).Rule!.Id);
    }

    [Fact]
    public void Evaluating_the_same_event_twice_decodes_it_again()
    {
        using var e = new RuleEngine(Load());
        var ev = Ev("Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 192.168.1.7 port 22 ssh2");
        Assert.Equal(5716, e.Evaluate(ev).Rule!.Id);
        ev.FullLog = "2015-01-30 09:19:14 status installed nano:amd64 2.2.6-3";
        Assert.Equal(2902, e.Evaluate(ev).Rule!.Id);
    }

    [Fact]
    public void A_reused_event_reports_each_lines_message_and_takes_a_message_set_by_hand()
    {
        using var e = new RuleEngine(Load(), new RuleEngineOptions { Hostname = "me" });
        var ev = Ev("Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 192.168.1.7 port 22 ssh2");
        var r = e.Evaluate(ev);
        Assert.Equal(5716, r.Rule!.Id);
        Assert.Equal("Failed password for root from 192.168.1.7 port 22 ssh2", r.Event.Log);
        Assert.Equal("web1", ev.Hostname);
        Assert.Equal("sshd", ev.ProgramName);
        ev.FullLog = "Feb  9 11:44:57 web2 sshd[1235]: Failed password for bob from 10.1.1.1 port 22 ssh2";
        ev.DecoderName = null;
        r = e.Evaluate(ev);
        Assert.Equal(5717, r.Rule!.Id);                       // the 10.0.0.0/8 child: the new line's fields were used
        Assert.Equal("Failed password for bob from 10.1.1.1 port 22 ssh2", ev.Log);
        Assert.Equal("web2", ev.Hostname);
        Assert.Equal("Feb  9 11:44:57", ev.LogTimestamp);
        ev.Log = "set by hand";
        Assert.Equal("set by hand", ev.Log);
    }

    [Fact]
    public void Command_output_is_not_pre_decoded_as_syslog()
    {
        using var e = new RuleEngine(Load(), new RuleEngineOptions { Hostname = "me" });
        var r = e.Evaluate(new LogEvent { FullLog = "Dec 29 10:00:01 host sshd[12]: fatal error", Location = "cat x", LogFormat = "full_command" });
        Assert.Null(r.Event.ProgramName);
        Assert.Equal("me", r.Event.Hostname);
        Assert.Equal("Dec 29 10:00:01 host sshd[12]: fatal error", r.Event.Log);
    }

    [Fact]
    public void Pf_plugin_decoder_extracts_addresses_and_action()
    {
        var res = RulesetLoader.LoadText(new[] { ("d.xml", "<decoder name=\"pf\"><program_name>^pf$</program_name><plugin_decoder>PF_Decoder</plugin_decoder><type>firewall</type></decoder>") },
            new[] { ("r.xml", "<group name=\"firewall\"><rule id=\"2\" level=\"0\" noalert=\"1\"><category>firewall</category><description>fw</description></rule><rule id=\"4101\" level=\"5\"><if_sid>2</if_sid><action>block</action><description>blocked</description></rule></group>") });
        Assert.False(res.HasErrors, string.Join("\n", res.Diagnostics));
        using var e = new RuleEngine(res.Ruleset);
        var r = e.Evaluate(new LogEvent { FullLog = "Dec 29 10:00:01 fw pf: rule 1/0(match): block in on em0: 192.168.1.10.5353 > 224.0.0.251.5353: udp 45", Location = "x" });
        Assert.Equal("192.168.1.10", r.Event.SrcIp);
        Assert.Equal("5353", r.Event.DstPort);
        Assert.Equal("block", r.Event.Action);
        Assert.Equal(4101, r.Rule!.Id);
    }

    [Theory]
    [InlineData("Dec 29 10:00:01 host sshd[12]: hello", "host", "sshd", "hello")]
    [InlineData("2015 Dec 29 10:00:01 host su: hello", "host", "su", "hello")]
    [InlineData("2009-05-22T09:36:46.214994-07:00 host cron[5]: hello", "host", "cron", "hello")]
    [InlineData("2007-06-14T15:48:55-04:00 host sudo: hello", "host", "sudo", "hello")]
    [InlineData("Dec 29 10:00:01 sshd: hello", null, "sshd", "hello")]
    [InlineData("Dec 29 10:00:01 host kernel: [ID 12 kern.info] hello", "host", "kernel", "hello")]
    [InlineData("2015-01-30 09:19:14 status installed nano", null, null, "2015-01-30 09:19:14 status installed nano")]
    [InlineData("plain message", null, null, "plain message")]
    [InlineData("[Fri Feb 11 18:06:35 2004] [warn] something", null, null, "[warn] something")]
    public void Pre_decoding_recognises_the_header_formats(string line, string? host, string? prog, string log)
    {
        var p = PreDecoder.Decode(line);
        Assert.Equal(host, p.Hostname);
        Assert.Equal(prog, p.ProgramName);
        Assert.Equal(log, PreDecoder.MessageOf(line, p));
    }
}
