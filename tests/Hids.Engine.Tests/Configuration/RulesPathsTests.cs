using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.Configuration;

public class RulesPathsTests
{
    [Fact]
    public void DefaultsAndConventions()
    {
        using var t = TestPaths.NewTempDir();
        var p = new InstancePaths(t.Path);
        Directory.CreateDirectory(p.RulesDir); Directory.CreateDirectory(p.Etc);
        File.WriteAllText(Path.Combine(p.RulesDir, "decoder.xml"), "<decoder name=\"x\"/>");
        File.WriteAllText(Path.Combine(p.RulesDir, "syslog_rules.xml"), "<group/>");
        File.WriteAllText(p.LocalRules, "<group/>");
        var opts = new RulesOptions { Include = { "syslog_rules.xml", "missing_rules.xml", "local_rules.xml" } };
        var s = RulesPaths.Resolve(p, opts);
        Assert.Equal(new[] { Path.Combine(p.RulesDir, "decoder.xml") }, s.DecoderFiles);
        Assert.Equal(new[] { Path.Combine(p.RulesDir, "syslog_rules.xml"), Path.Combine(p.RulesDir, "missing_rules.xml"), p.LocalRules }, s.RuleFiles);
        Assert.Equal(new[] { Path.Combine(p.RulesDir, "missing_rules.xml") }, s.Missing);

        File.WriteAllText(p.LocalDecoders, "<decoder name=\"y\"/>");
        Directory.CreateDirectory(Path.Combine(t.Path, "extra"));
        File.WriteAllText(Path.Combine(t.Path, "extra", "b.xml"), "");
        File.WriteAllText(Path.Combine(t.Path, "extra", "a.xml"), "");
        var s2 = RulesPaths.Resolve(p, new RulesOptions { Decoder = { "rules/decoder.xml" }, RuleDir = { "extra" }, Exclude = { "b.xml" } });
        Assert.Equal(new[] { Path.Combine(p.RulesDir, "decoder.xml"), p.LocalDecoders }, s2.DecoderFiles);
        Assert.Equal(new[] { Path.Combine(t.Path, "extra", "a.xml") }, s2.RuleFiles);
    }
}

public class LoadInstanceTests
{
    [Fact]
    public void MissingRulesFilesAreWarningsAtTheirInclude()
    {
        using var t = TestPaths.NewTempDir();
        var p = new InstancePaths(t.Path);
        Directory.CreateDirectory(p.Etc); Directory.CreateDirectory(p.RulesDir);
        File.WriteAllText(Path.Combine(p.RulesDir, "decoder.xml"), "");
        File.WriteAllText(p.LocalRules, "");
        File.WriteAllText(p.OssecConf, "<ossec_config>\n  <rules>\n    <include>nope_rules.xml</include>\n    <include>local_rules.xml</include>\n  </rules>\n</ossec_config>\n");
        var r = ConfigurationLoader.LoadInstance(p);
        Assert.False(r.HasErrors);
        var w = Assert.Single(r.Diagnostics);
        Assert.Equal(ConfigCodes.MissingRulesFile, w.Code);
        Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
        Assert.Equal(3, w.Line);
        Assert.Contains("nope_rules.xml", w.Message);
    }
}

public class HidsExtensionTests
{
    [Fact]
    public void SmtpExtensionsAreAcceptedInGlobalAndInHids()
    {
        var r = ConfigurationLoader.LoadText("<ossec_config><global><smtp_port>2526</smtp_port><smtp_security>tls</smtp_security></global><hids><offence_window>60</offence_window><firewall_backend>nft</firewall_backend></hids></ossec_config>", "/t/o.conf");
        Assert.False(r.HasErrors, string.Join("\n", r.Errors));
        Assert.Equal(2526, r.Configuration.Global.SmtpPort);
        Assert.Equal("tls", r.Configuration.Global.SmtpSecurity);
        Assert.Equal(60, r.Configuration.Hids.OffenceWindowMinutes);
        Assert.Equal(2, r.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Info));
    }

    [Fact]
    public void EditorUpdatesAnExtensionWhereItAlreadyIs()
    {
        var e = new ConfigurationEditor("<ossec_config>\n  <global>\n    <smtp_port>25</smtp_port>\n  </global>\n</ossec_config>\n", "/t/o.conf");
        e.SetHidsSetting("smtp_port", "2525");
        e.SetHidsSetting("smtp_security", "starttls");
        Assert.Equal("<ossec_config>\n  <global>\n    <smtp_port>2525</smtp_port>\n  </global>\n\n  <hids>\n    <smtp_security>starttls</smtp_security>\n  </hids>\n</ossec_config>\n", e.Text);
    }
}
