using System.Globalization;
using System.Text.RegularExpressions;
using Hids.Engine.Analysis;
using Hids.Engine.Xml;

namespace Hids.Engine.Tests.Analysis;

/// <summary>
/// The ruleset Hids ships (rules/): it loads without diagnostics, every case of rules/tests/*.ini gives the
/// expected result, and every shipped rule has at least one pass and one fail case.
/// Sections marked <c>sequence = yes</c> run their lines in order through one engine, so correlation
/// (frequency, if_fts, check_diff) is exercised; all other cases run on a fresh engine each, as ossec-logtest does.
/// </summary>
public sealed class ShippedRulesetTests
{
    /// <summary>The rule files in the order the default ossec.conf includes them.</summary>
    public static readonly string[] RuleFileOrder =
    {
        "rules_config.xml", "syslog_rules.xml", "pam_rules.xml", "sshd_rules.xml", "dpkg_rules.xml",
        "web_rules.xml", "apache_rules.xml", "nginx_rules.xml", "ossec_rules.xml",
    };

    private static string Rules => TestPaths.ShippedRules;
    private static IEnumerable<string> TestFiles => Directory.GetFiles(Path.Combine(Rules, "tests"), "*.ini").OrderBy(f => f, StringComparer.Ordinal);

    private static readonly Lazy<RulesetLoadResult> Loaded = new(() =>
        RulesetLoader.LoadFiles(new[] { Path.Combine(Rules, "decoder.xml") }, RuleFileOrder.Select(f => Path.Combine(Rules, f))));

    [Fact]
    public void Ruleset_loads_without_diagnostics()
    {
        var r = Loaded.Value;
        Assert.True(r.Diagnostics.Count == 0, "diagnostics:\n" + string.Join("\n", r.Diagnostics.Select(d => d.ToString())));
    }

    public static IEnumerable<object[]> IniFiles() => TestFiles.Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(IniFiles))]
    public void Every_case_passes(string iniFile)
    {
        var path = Path.Combine(Rules, "tests", iniFile);
        var ruleset = Loaded.Value.Ruleset;
        var sequences = SequenceSections(path);
        var failures = new List<string>();
        int count = 0;
        foreach (var section in RuleTestFile.Parse(path).GroupBy(c => c.Section))
        {
            if (sequences.Contains(section.Key))
            {
                using var engine = new RuleEngine(ruleset, new RuleEngineOptions { Hostname = "ossec-logtest" });
                foreach (var c in section)
                {
                    count++;
                    var res = engine.Evaluate(new LogEvent { FullLog = c.Log, Location = "stdin", ReceivedAt = DateTimeOffset.Now });
                    var why = Compare(c, res.Rule?.Id.ToString(CultureInfo.InvariantCulture), res.Rule?.Level.ToString(CultureInfo.InvariantCulture), res.Event.DecoderName);
                    if (why != null) failures.Add($"[{c.Section}] {c.Key}: {why}\n    {c.Log}");
                }
            }
            else
            {
                foreach (var c in section)
                {
                    count++;
                    var r = RuleTestFile.RunCase(ruleset, c);
                    if (!r.Passed) failures.Add($"[{c.Section}] {c.Key}: {r.Reason} (got rule {r.ActualRule ?? "-"} level {r.ActualLevel ?? "-"} decoder '{r.ActualDecoder}')\n    {c.Log}");
                }
            }
        }
        Assert.True(count > 0, $"{iniFile} has no cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed in {iniFile}:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Every_shipped_rule_has_a_pass_and_a_fail_case()
    {
        var ids = ShippedRules().ToList();
        Assert.NotEmpty(ids);
        var cases = TestFiles.SelectMany(RuleTestFile.Parse).ToList();
        var pass = cases.Where(c => c.Kind == "pass").Select(c => c.ExpectedRule).ToHashSet();
        var fail = cases.Where(c => c.Kind == "fail").Select(c => c.ExpectedRule).ToHashSet();
        var children = ids.SelectMany(r => r.Parents.Select(p => (Parent: p, Child: r.Id))).ToLookup(x => x.Parent, x => x.Child);
        bool DescendantPasses(string id, HashSet<string> seen) =>
            children[id].Any(c => seen.Add(c) && (pass.Contains(c) || DescendantPasses(c, seen)));
        var missing = new List<string>();
        foreach (var r in ids)
        {
            // Category templates (rules_config.xml, only a <category>) are never the final match of a decoded
            // event: every pass case of their category goes through them. A level-0 grouping rule whose
            // events always reach a child (509 -> 510) is covered by the pass cases of its descendants.
            // Every other rule, level 0 included (554), needs a pass case of its own; every rule needs a fail case.
            if (r.Template) continue;
            if (!pass.Contains(r.Id) && !(r.Level == 0 && DescendantPasses(r.Id, new HashSet<string>())))
                missing.Add($"{r.Id}: no pass case");
            if (!fail.Contains(r.Id)) missing.Add($"{r.Id}: no fail case");
        }
        Assert.True(missing.Count == 0, "rules without test cases:\n" + string.Join("\n", missing));
        Assert.Contains("554", pass);
        Assert.Contains("554", fail);
    }

    [Fact]
    public void Guide_alerts_have_the_ids_levels_and_descriptions_users_expect()
    {
        var rules = ShippedRuleNodes().ToDictionary(n => n.Attr("id")!, n => n);
        void Expect(string id, string level, string description)
        {
            Assert.True(rules.TryGetValue(id, out var n), $"rule {id} is missing");
            Assert.Equal(level, n!.Attr("level"));
            Assert.Equal(description, n.Element("description")!.Text);
        }
        Expect("502", "3", "Ossec server started.");
        Expect("533", "7", "Listened ports status (netstat) changed (new port opened or closed).");
        Expect("550", "7", "Integrity checksum changed.");
        Expect("553", "7", "File deleted. Unable to retrieve checksum.");
        Expect("554", "0", "File added to the system.");
        Expect("2902", "7", "New dpkg (Debian Package) installed.");
        Assert.NotNull(rules["533"].Element("check_diff"));
    }

    [Fact]
    public void Repeated_ssh_password_failures_from_one_address_reach_level_10()
    {
        using var engine = new RuleEngine(Loaded.Value.Ruleset, new RuleEngineOptions { Hostname = "test" });
        int maxLevel = 0;
        string? srcip = null;
        for (int i = 0; i < 10; i++)
        {
            var res = engine.Evaluate(new LogEvent
            {
                FullLog = $"Dec  4 20:00:{i:00} deft sshd[{900 + i}]: Failed password for root from 203.0.113.9 port {40000 + i} ssh2",
                Location = "/var/log/auth.log",
                ReceivedAt = DateTimeOffset.Now,
            });
            if (i == 0)
            {
                Assert.Equal(5716, res.Rule?.Id);
                Assert.Equal(5, res.Rule?.Level);
                Assert.Contains("authentication_failed", res.Rule!.Groups);
                Assert.Equal("root", res.Event.User);
                Assert.Equal("40000", res.Event.SrcPort);
            }
            if (res.Rule != null && res.Rule.Level > maxLevel) { maxLevel = res.Rule.Level; srcip = res.Event.SrcIp; }
        }
        Assert.True(maxLevel >= 10, $"no brute-force alert, highest level {maxLevel}");
        Assert.Equal("203.0.113.9", srcip);
    }

    [Theory]
    [InlineData("Failed password for invalid user x from 192.0.2.200 port 22 ssh2 from 203.0.113.7 port 41000 ssh2", "203.0.113.7", "41000", true)]
    [InlineData("Failed password for root from 203.0.113.8 port 41001 ssh2", "203.0.113.8", "41001", true)]
    [InlineData("Failed publickey for alice from 203.0.113.9 port 41002 ssh2: ED25519 SHA256:abc", "203.0.113.9", "41002", true)]
    [InlineData("Invalid user a from 192.0.2.200 port 1 from 203.0.113.10 port 41003", "203.0.113.10", "41003", true)]
    [InlineData("error: maximum authentication attempts exceeded for invalid user z from 192.0.2.200 port 1 ssh2 from 203.0.113.11 port 41004 ssh2 [preauth]", "203.0.113.11", "41004", true)]
    [InlineData("Connection closed by invalid user q 192.0.2.200 port 1 203.0.113.12 port 41005 [preauth]", "203.0.113.12", "41005", false)]
    public void Sshd_source_address_comes_from_the_end_of_the_line_not_from_the_user_name(string message, string srcip, string srcport, bool hasUser)
    {
        using var engine = new RuleEngine(Loaded.Value.Ruleset, new RuleEngineOptions { Hostname = "test" });
        var res = engine.Evaluate(new LogEvent { FullLog = "Dec  4 20:00:01 deft sshd[77]: " + message, Location = "/var/log/auth.log", ReceivedAt = DateTimeOffset.Now });
        Assert.Equal("sshd", res.Event.DecoderName);
        Assert.Equal(srcip, res.Event.SrcIp);
        Assert.Equal(srcport, res.Event.SrcPort);
        if (hasUser) Assert.False(string.IsNullOrEmpty(res.Event.User), "user not decoded");
    }

    [Fact]
    public void Iptables_lines_decode_addresses_protocol_and_ports()
    {
        using var engine = new RuleEngine(Loaded.Value.Ruleset, new RuleEngineOptions { Hostname = "test" });
        var res = engine.Evaluate(new LogEvent
        {
            FullLog = "Dec  4 20:00:01 deft kernel: [ 6000.000003] DROP-IN IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.7 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=7 DF PROTO=TCP SPT=51112 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0",
            Location = "/var/log/kern.log",
            ReceivedAt = DateTimeOffset.Now,
        });
        Assert.Equal("iptables", res.Event.DecoderName);
        Assert.Equal("198.51.100.7", res.Event.SrcIp);
        Assert.Equal("192.0.2.10", res.Event.DstIp);
        Assert.Equal("TCP", res.Event.Protocol);
        Assert.Equal("51112", res.Event.SrcPort);
        Assert.Equal("23", res.Event.DstPort);
        Assert.Equal(4101, res.Rule?.Id);
    }

    [Fact]
    public void Active_response_log_line_decodes_for_rules_601_and_602()
    {
        using var engine = new RuleEngine(Loaded.Value.Ruleset, new RuleEngineOptions { Hostname = "test" });
        var add = engine.Evaluate(new LogEvent { FullLog = "Hids active-response: added srcip 203.0.113.9 (firewall-drop, rule 5712, timeout 600)", Location = "active-response", ReceivedAt = DateTimeOffset.Now });
        Assert.Equal("ar_log", add.Event.DecoderName);
        Assert.Equal("203.0.113.9", add.Event.SrcIp);
        Assert.Equal("added", add.Event.Action);
        Assert.Equal("firewall-drop", add.Event.Status);
        Assert.Equal("5712", add.Event.Id);
        Assert.Equal(601, add.Rule?.Id);
        var del = engine.Evaluate(new LogEvent { FullLog = "Hids active-response: deleted srcip 203.0.113.9 (firewall-drop, rule 5712, timeout 600)", Location = "active-response", ReceivedAt = DateTimeOffset.Now });
        Assert.Equal(602, del.Rule?.Id);
    }

    [Fact]
    public void Syscheck_events_with_a_preset_decoder_reach_550_553_554()
    {
        using var engine = new RuleEngine(Loaded.Value.Ruleset, new RuleEngineOptions { Hostname = "test" });
        (string decoder, string log, int id, int level)[] cases =
        {
            ("syscheck_integrity_changed", "Integrity checksum changed for: '/etc/hosts'\nSize changed from '10' to '19'", 550, 7),
            ("syscheck_deleted", "File '/etc/hosts' was deleted. Unable to retrieve checksum.", 553, 7),
            ("syscheck_new_entry", "New file '/etc/new.conf' added to the file system.", 554, 0),
        };
        foreach (var (decoder, log, id, level) in cases)
        {
            var res = engine.Evaluate(new LogEvent { FullLog = log, Location = "syscheck", DecoderName = decoder, ReceivedAt = DateTimeOffset.Now });
            Assert.Equal(id, res.Rule?.Id);
            Assert.Equal(level, res.Rule?.Level);
            if (level == 0) Assert.Null(res.Alert);
        }
    }

    [Fact]
    public void An_installed_instance_loads_the_shipped_rules_and_the_guides_554_override()
    {
        using var dir = TestPaths.NewTempDir("hids-ruleset");
        var root = dir.Combine("inst");
        Hids.Engine.Configuration.Installer.Install(new Hids.Engine.Configuration.InstallOptions { Path = root, ShippedRulesPath = Rules, NetstatAvailable = false });
        var paths = new Hids.Engine.Core.InstancePaths(root);

        // The user's guide, verbatim: 554 raised to level 7 in local_rules.xml.
        File.WriteAllText(paths.LocalRules, """
            <group name="local,syslog,">
            <rule id="554" level="7" overwrite="yes">
              <category>ossec</category>
              <decoded_as>syscheck_new_entry</decoded_as>
              <description>File added to the system.</description>
              <group>syscheck,</group>
            </rule>
            </group> <!-- SYSLOG,LOCAL -->
            """);
        var loaded = RulesetLoader.LoadInstance(paths);
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics.Select(d => d.ToString())));

        using var engine = new RuleEngine(loaded.Ruleset, new RuleEngineOptions { Hostname = "deft" });
        var added = engine.Evaluate(new LogEvent { FullLog = "New file '/var/www/new.php' added to the file system.", Location = "syscheck", DecoderName = "syscheck_new_entry", ReceivedAt = DateTimeOffset.Now });
        Assert.Equal(554, added.Rule?.Id);
        Assert.Equal(7, added.Rule?.Level);
        Assert.NotNull(added.Alert);

        var started = engine.Evaluate(new LogEvent { FullLog = "ossec: Ossec started.", Location = "ossec-monitord", ReceivedAt = DateTimeOffset.Now });
        Assert.Equal(502, started.Rule?.Id);
        Assert.Equal(3, started.Rule?.Level);

        // The default configuration watches listening ports with ss under the netstat alias: 533 fires on a change.
        var first = engine.Evaluate(new LogEvent { FullLog = "ossec: output: 'netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort':\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*", Location = "netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort", ReceivedAt = DateTimeOffset.Now });
        Assert.NotEqual(533, first.Rule?.Id);
        var changed = engine.Evaluate(new LogEvent { FullLog = "ossec: output: 'netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort':\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nLISTEN 0 511 0.0.0.0:80 0.0.0.0:*", Location = "netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort", ReceivedAt = DateTimeOffset.Now });
        Assert.Equal(533, changed.Rule?.Id);
        Assert.Equal(7, changed.Rule?.Level);

        var dpkg = engine.Evaluate(new LogEvent { FullLog = "2015-01-30 09:19:14 status installed nginx-common:all 1.2.1-2.2+wheezy3", Location = "/var/log/dpkg.log", ReceivedAt = DateTimeOffset.Now });
        Assert.Equal(2902, dpkg.Rule?.Id);
        Assert.Equal("New dpkg (Debian Package) installed.", dpkg.Rule?.Description);
    }

    // ------------------------------------------------------------------ helpers

    private static string? Compare(RuleTestCase c, string? rule, string? level, string? decoder)
    {
        bool all = rule != null
            && string.Equals(rule, c.ExpectedRule, StringComparison.OrdinalIgnoreCase)
            && string.Equals(level, c.ExpectedLevel, StringComparison.OrdinalIgnoreCase)
            && decoder != null && string.Equals(decoder, c.ExpectedDecoder, StringComparison.OrdinalIgnoreCase);
        if (c.Kind == "pass" && !all) return $"expected rule {c.ExpectedRule} level {c.ExpectedLevel} decoder '{c.ExpectedDecoder}', got rule {rule ?? "-"} level {level ?? "-"} decoder '{decoder}'";
        if (c.Kind == "fail" && all) return $"rule {rule} fired but must not";
        return null;
    }

    /// <summary>Sections with the Hids extension key <c>sequence = yes</c>.</summary>
    internal static HashSet<string> SequenceSections(string iniPath)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        string? section = null;
        foreach (var raw in File.ReadLines(iniPath))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']')) { section = line[1..^1]; continue; }
            if (section != null && Regex.IsMatch(line, @"^sequence\s*=\s*(yes|true|1)$", RegexOptions.IgnoreCase)) set.Add(section);
        }
        return set;
    }

    private static IEnumerable<XNode2> ShippedRuleNodes()
    {
        foreach (var f in RuleFileOrder)
            foreach (var g in OssecXmlReader.ReadFile(Path.Combine(Rules, f)))
                foreach (var r in g.Elements("rule"))
                    yield return r;
    }

    /// <summary>Every rule in the shipped files: id, level, parents (if_sid / if_matched_sid) and whether it is a
    /// category template (nothing but a &lt;category&gt;).</summary>
    private static IEnumerable<(string Id, int Level, string[] Parents, bool Template)> ShippedRules() =>
        ShippedRuleNodes().Select(r => (
            Id: int.Parse(r.Attr("id")!, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            Level: int.Parse(r.Attr("level")!, CultureInfo.InvariantCulture),
            Parents: r.Children.Where(c => c.Name is "if_sid" or "if_matched_sid")
                .SelectMany(c => c.Text.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries)).ToArray(),
            Template: r.Children.All(c => c.Name is "category" or "description")));
}
