using Hids.Engine.Analysis;
using Hids.Engine.Core;
using Xunit;

namespace Hids.Engine.Tests.Analysis;

public sealed class RulesetLoaderTests
{
    private const string Template = """<group name="syslog"><rule id="1" level="0" noalert="1"><category>syslog</category><description>t</description></rule></group>""";

    private static RulesetLoadResult LoadRules(string xml)
        => RulesetLoader.LoadText(new[] { ("decoder.xml", "<decoder name=\"x\"><prematch>^x </prematch></decoder>") }, new[] { ("t.xml", Template), ("local_rules.xml", xml) });

    [Fact]
    public void Undefined_if_sid_is_an_error_with_file_and_line()
    {
        var r = LoadRules("<group name=\"local\">\n  <rule id=\"100001\" level=\"5\">\n    <if_sid>99999</if_sid>\n    <description>x</description>\n  </rule>\n</group>");
        var d = Assert.Single(r.Diagnostics, x => x.Code == RulesetLoader.UndefinedIfSid);
        Assert.Equal("local_rules.xml", d.File);
        Assert.Equal(3, d.Line);
        Assert.True(r.HasErrors);
    }

    [Fact]
    public void Duplicate_id_without_overwrite_is_an_error()
    {
        var r = LoadRules("<group name=\"local\"><rule id=\"100001\" level=\"5\"><match>a</match><description>x</description></rule>\n<rule id=\"100001\" level=\"6\"><match>b</match><description>y</description></rule></group>");
        var d = Assert.Single(r.Diagnostics, x => x.Code == RulesetLoader.DuplicateRuleId);
        Assert.Equal(2, d.Line);
    }

    [Fact]
    public void Pattern_that_does_not_compile_is_an_error()
    {
        var r = LoadRules("<group name=\"local\">\n<rule id=\"100001\" level=\"5\">\n<regex>(a(b))</regex><description>x</description></rule></group>");
        Assert.Contains(r.Diagnostics, x => x.Code == RulesetLoader.RulePatternError && x.Line == 3);
        var p = LoadRules("<group name=\"local\"><rule id=\"100002\" level=\"5\"><pcre2>(unclosed</pcre2><description>x</description></rule></group>");
        Assert.Contains(p.Diagnostics, x => x.Code == RulesetLoader.RulePatternError);
    }

    [Fact]
    public void Unknown_element_is_reported_with_a_suggestion()
    {
        var r = LoadRules("<group name=\"local\"><rule id=\"100001\" level=\"5\"><mach>a</mach><description>x</description></rule></group>");
        var d = Assert.Single(r.Diagnostics, x => x.Code == RulesetLoader.UnknownRuleElement);
        Assert.Contains("match", d.Hint);
    }

    [Fact]
    public void Xml_quirks_escaped_lt_several_roots_and_concatenated_matches()
    {
        var r = LoadRules("<group name=\"a\"><rule id=\"100001\" level=\"5\"><match>a\\<b</match><match>c</match><description>x</description></rule></group>\n<group name=\"b\"><rule id=\"100002\" level=\"5\"><match>zz</match><description>y</description></rule></group>");
        Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
        var rule = r.Ruleset.GetRule(100001)!;
        Assert.Equal("a<bc", Assert.Single(rule.Conditions).Pattern.Source);
        Assert.NotNull(r.Ruleset.GetRule(100002));
    }

    [Fact]
    public void Local_decoder_file_is_loaded_after_the_main_one()
    {
        var r = RulesetLoader.LoadText(new[]
        {
            ("decoder.xml", "<decoder name=\"app\"><prematch>^app: </prematch></decoder>"),
            ("local_decoder.xml", "<decoder name=\"app-user\"><parent>app</parent><regex offset=\"after_parent\">^user (\\S+)</regex><order>user</order></decoder>"),
        }, new[] { ("t.xml", Template), ("l.xml", "<group name=\"l\"><rule id=\"100001\" level=\"3\"><decoded_as>app</decoded_as><user>bob</user><description>x</description></rule></group>") });
        Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
        using var e = new RuleEngine(r.Ruleset);
        var res = e.Evaluate(new LogEvent { FullLog = "app: user bob", Location = "x" });
        Assert.Equal(100001, res.Rule!.Id);
    }

    [Fact]
    public void Folder_without_ossec_conf_loads_decoders_then_rules_in_name_order_local_last()
    {
        using var dir = TestPaths.NewTempDir();
        File.WriteAllText(dir.Combine("decoder.xml"), "<decoder name=\"app\"><prematch>^app: </prematch></decoder>");
        Directory.CreateDirectory(dir.Combine("rules"));
        File.WriteAllText(dir.Combine("rules", "rules_config.xml"), Template);
        File.WriteAllText(dir.Combine("rules", "a_rules.xml"), "<group name=\"a\"><rule id=\"100\" level=\"3\"><decoded_as>app</decoded_as><description>app</description></rule></group>");
        File.WriteAllText(dir.Combine("rules", "local_rules.xml"), "<group name=\"l\"><rule id=\"100\" level=\"9\" overwrite=\"yes\"><decoded_as>app</decoded_as><description>app!</description></rule></group>");
        var r = RulesetLoader.LoadFolder(dir.Path);
        Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
        Assert.Equal(9, r.Ruleset.GetRule(100)!.Level);
    }

    [Fact]
    public void A_local_rules_change_is_validated_in_memory_with_the_instance_ruleset_and_nothing_is_written()
    {
        using var dir = TestPaths.NewTempDir();
        var paths = new InstancePaths(dir.Combine("inst"));
        Hids.Engine.Configuration.Installer.Install(new Hids.Engine.Configuration.InstallOptions { Path = paths.Root, ShippedRulesPath = TestPaths.ShippedRules });
        var before = File.ReadAllText(paths.LocalRules);
        var loaded = RulesetLoader.LoadInstance(paths).Ruleset;
        var rule = loaded.GetRule(554)!;
        var good = LocalRulesEditor.PlanOverride(paths.LocalRules, rule, 7, null);
        var ok = LocalRulesEditor.Validate(paths, loaded, good);
        Assert.DoesNotContain(ok.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.File == paths.LocalRules);
        Assert.Equal(7, ok.Ruleset.GetRule(554)!.Level);     // the loaded ruleset has the override
        var broken = new LocalRulesChange { Path = paths.LocalRules, OldText = before, NewText = before + "\n<group name=\"x\"><rule id=\"554\" level=\"99\" overwrite=\"yes\"></rule>" };
        var bad = LocalRulesEditor.Validate(paths, loaded, broken);
        var errors = bad.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, d => Assert.Equal(paths.LocalRules, d.File));    // named as the real file, line and column
        Assert.All(errors, d => Assert.True(d.Line > 0));
        Assert.Equal(before, File.ReadAllText(paths.LocalRules));
        Assert.Empty(Directory.GetFiles(paths.Etc, "*.tmp"));
    }
}
