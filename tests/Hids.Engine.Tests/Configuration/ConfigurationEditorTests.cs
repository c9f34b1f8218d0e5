using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.Configuration;

public class ConfigurationEditorTests
{
    private const string Sample = @"<!-- my config -->
<ossec_config>
  <global>
    <email_notification>yes</email_notification>
    <email_to>loginName@example.com</email_to>
    <smtp_server>mail.example.com.</smtp_server>
    <email_from>ossecm@hostname</email_from>
  </global>

  <syscheck>
    <!-- Frequency that syscheck is executed - default to every 22 hours -->
    <frequency>79200</frequency>

    <!-- Directories to check  (perform all possible verifications) -->
    <directories check_all=""yes"">/etc,/usr/bin,/usr/sbin</directories>
    <directories check_all=""yes"">/bin,/sbin</directories>   <!-- system binaries -->

    <ignore>/etc/mtab</ignore>
  </syscheck>

  <command>
    <name>firewall-drop</name>
    <executable>firewall-drop.sh</executable>
    <expect>srcip</expect>
    <timeout_allowed>yes</timeout_allowed>
  </command>
</ossec_config>
";

    private static ConfigurationEditor Ed(string text = Sample) => new(text, "/t/ossec.conf");

    /// <summary>The lines that differ (a tiny line diff: removed lines with '-', added with '+').</summary>
    private static List<string> Diff(string a, string b)
    {
        var x = a.Split('\n'); var y = b.Split('\n');
        int pre = 0; while (pre < x.Length && pre < y.Length && x[pre] == y[pre]) pre++;
        int suf = 0; while (suf < x.Length - pre && suf < y.Length - pre && x[^(suf + 1)] == y[^(suf + 1)]) suf++;
        return x[pre..^suf].Select(l => "-" + l).Concat(y[pre..^suf].Select(l => "+" + l)).ToList();
    }

    [Fact]
    public void AddDirectoryWritesTheGuidesLineAndNothingElse()
    {
        var e = Ed();
        e.AddDirectories(new[] { "/var/www" }, new DirectoryOptions { Realtime = true, ReportChanges = true, CheckAll = true });
        Assert.Equal(new[] { "+    <directories report_changes=\"yes\" realtime=\"yes\" check_all=\"yes\">/var/www</directories>" }, Diff(Sample, e.Text));
        Assert.False(e.Validate().HasErrors);
        // idempotent
        var once = e.Text;
        e.AddDirectories(new[] { "/var/www" }, new DirectoryOptions { Realtime = true, ReportChanges = true, CheckAll = true });
        Assert.Equal(once, e.Text);
    }

    [Fact]
    public void ChangingOptionsOfAPathInACommaListSplitsItOut()
    {
        var e = Ed();
        e.AddDirectories(new[] { "/usr/bin" }, new DirectoryOptions { Realtime = true, CheckAll = true });
        Assert.Equal(new[]
        {
            "-    <directories check_all=\"yes\">/etc,/usr/bin,/usr/sbin</directories>",
            "+    <directories check_all=\"yes\">/etc,/usr/sbin</directories>",
            "+    <directories realtime=\"yes\" check_all=\"yes\">/usr/bin</directories>",
        }, Diff(Sample, e.Text));
        var r = e.Validate();
        Assert.False(r.HasErrors, string.Join("\n", r.Errors));
        // already there with the same options: nothing to do
        var e2 = Ed();
        e2.AddDirectories(new[] { "/sbin/" }, new DirectoryOptions { CheckAll = true });
        Assert.False(e2.IsChanged);
    }

    [Fact]
    public void ChangingOptionsOfASinglePathRewritesOnlyTheStartTagAndKeepsTheComment()
    {
        var text = Sample.Replace("/bin,/sbin", "/bin");
        var e = Ed(text);
        e.AddDirectories(new[] { "/bin" }, new DirectoryOptions { ReportChanges = true, CheckAll = true });
        Assert.Equal(new[]
        {
            "-    <directories check_all=\"yes\">/bin</directories>   <!-- system binaries -->",
            "+    <directories report_changes=\"yes\" check_all=\"yes\">/bin</directories>   <!-- system binaries -->",
        }, Diff(text, e.Text));
    }

    [Fact]
    public void RemoveDirectoryFromListAndWholeElement()
    {
        var e = Ed();
        Assert.True(e.RemoveDirectory("/usr/bin"));
        Assert.Contains("<directories check_all=\"yes\">/etc,/usr/sbin</directories>", e.Text);
        Assert.True(e.RemoveDirectory("/etc"));
        Assert.True(e.RemoveDirectory("/usr/sbin"));
        Assert.Equal(new[] { "-    <directories check_all=\"yes\">/etc,/usr/bin,/usr/sbin</directories>" }, Diff(Sample, e.Text));
        Assert.False(e.RemoveDirectory("/nope"));
    }

    [Fact]
    public void SetValueUpdatesInPlaceOrInsertsInOrder()
    {
        var e = Ed();
        e.SetValue("syscheck", "frequency", "900");
        e.SetValue("syscheck", "alert_new_files", "yes");
        Assert.Equal(new[]
        {
            "-    <frequency>79200</frequency>",
            "+    <frequency>900</frequency>",
            "+    <alert_new_files>yes</alert_new_files>",
        }, Diff(Sample, e.Text));
        e.SetValue("alerts", "email_alert_level", "9");
        var r = e.Validate();
        Assert.False(r.HasErrors, string.Join("\n", r.Errors));
        Assert.Equal(9, r.Configuration.Alerts.EmailAlertLevel);
        Assert.Contains("\n  <alerts>\n    <email_alert_level>9</email_alert_level>\n  </alerts>\n</ossec_config>", e.Text);
        Assert.Contains("<!-- Frequency that syscheck is executed - default to every 22 hours -->", e.Text);
    }

    [Fact]
    public void SetValuesReplacesTheRepeatedList()
    {
        var e = Ed();
        e.SetValues("global", "email_to", new[] { "a@example.com", "b@example.com" });
        Assert.Equal(new[]
        {
            "-    <email_to>loginName@example.com</email_to>",
            "+    <email_to>a@example.com</email_to>",
            "+    <email_to>b@example.com</email_to>",
        }, Diff(Sample, e.Text));
        e.SetValues("global", "email_to", new[] { "c@example.com" });
        Assert.Equal(new[] { "-    <email_to>loginName@example.com</email_to>", "+    <email_to>c@example.com</email_to>" }, Diff(Sample, e.Text));
    }

    [Fact]
    public void IgnoreAddAndRemove()
    {
        var e = Ed();
        e.AddIgnore("/var/www/cache", null);
        e.AddIgnore(@"\.log$", "sregex");
        e.AddIgnore("/var/www/cache", null);
        Assert.Equal(new[] { "+    <ignore>/var/www/cache</ignore>", "+    <ignore type=\"sregex\">\\.log$</ignore>" }, Diff(Sample, e.Text));
        Assert.True(e.RemoveIgnore("/var/www/cache", null));
        Assert.True(e.RemoveIgnore(@"\.log$", "sregex"));
        Assert.Equal(Sample, e.Text);
    }

    [Fact]
    public void ActiveResponseCreateThenUpdate()
    {
        var e = Ed();
        e.SetActiveResponse("firewall-drop", level: 6, timeout: 600);
        Assert.Contains("  </command>\n\n  <active-response>\n    <command>firewall-drop</command>\n    <location>local</location>\n    <level>6</level>\n    <timeout>600</timeout>\n  </active-response>\n</ossec_config>", e.Text);
        var after = e.Text;
        e.SetActiveResponse("firewall-drop", level: 6, timeout: 600);
        Assert.Equal(after, e.Text);
        e.SetActiveResponse("firewall-drop", timeout: 1800, rulesGroup: new[] { "authentication_failures" }, disabled: true);
        var r = e.Validate();
        Assert.False(r.HasErrors, string.Join("\n", r.Errors));
        var ar = Assert.Single(r.Configuration.ActiveResponses);
        Assert.Equal(1800, ar.Timeout); Assert.True(ar.Disabled); Assert.Equal(6, ar.Level);
        Assert.Equal(new[] { "authentication_failures" }, ar.RulesGroup);
        e.SetActiveResponse("firewall-drop", disabled: false);
        Assert.DoesNotContain("<disabled>", e.Text);
    }

    [Fact]
    public void LogFilesAndCommandMonitors()
    {
        var e = Ed();
        e.AddLogFile("/var/log/nginx/access.log", "apache");
        e.AddCommandMonitor("df -P", "command", 300, null);
        e.AddLogFile("/var/log/nginx/access.log", "apache");
        var t = e.Text;
        e.AddCommandMonitor("df -P", "command", 300, null);
        Assert.Equal(t, e.Text);
        var r = e.Validate();
        Assert.False(r.HasErrors, string.Join("\n", r.Errors));
        Assert.Equal(2, r.Configuration.LocalFiles.Count);
        Assert.Equal(300, r.Configuration.LocalFiles[1].Frequency);
        Assert.True(e.RemoveLogFile("df -P"));
        Assert.True(e.RemoveLogFile("/var/log/nginx/access.log"));
        Assert.Equal(Sample, e.Text);
    }

    [Fact]
    public void SaveIsAtomicKeepsABackupWritesNothingWhenUnchangedAndRefusesInvalidResults()
    {
        using var t = TestPaths.NewTempDir();
        var path = t.Combine("ossec.conf");
        File.WriteAllText(path, Sample);
        var mtime = File.GetLastWriteTimeUtc(path);
        var e = ConfigurationEditor.Open(path);
        e.AddIgnore("/etc/mtab", null); // already there
        Assert.False(e.Save());
        Assert.False(File.Exists(path + ".bak"));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(path));

        e = ConfigurationEditor.Open(path);
        e.SetValue("syscheck", "frequency", "900");
        Assert.True(e.Save());
        Assert.Equal(Sample, File.ReadAllText(path + ".bak"));
        Assert.Contains("<frequency>900</frequency>", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(t.Path, "*.tmp"));

        var before = File.ReadAllText(path);
        e = ConfigurationEditor.Open(path);
        e.SetValue("syscheck", "frequency", "-1");
        var ex = Assert.Throws<ConfigurationEditException>(() => e.Save());
        Assert.Equal("ConfigurationWouldNotValidate", ex.ErrorId);
        Assert.Contains(ex.Diagnostics, d => d.Code == ConfigCodes.OutOfRange);
        Assert.Equal(before, File.ReadAllText(path));

        e = ConfigurationEditor.Open(path);
        e.SetActiveResponse("no-such-command", level: 6);
        Assert.Contains(Assert.Throws<ConfigurationEditException>(() => e.Save()).Diagnostics, d => d.Code == ConfigCodes.UndefinedCommand);
    }

    [Fact]
    public void EditsAnEmptySkeletonAndSelfClosingSections()
    {
        var e = Ed("<ossec_config>\n  <syscheck/>\n</ossec_config>\n");
        e.AddDirectories(new[] { "/srv" }, new DirectoryOptions { CheckAll = true });
        Assert.Equal("<ossec_config>\n  <syscheck>\n    <directories check_all=\"yes\">/srv</directories>\n  </syscheck>\n</ossec_config>\n", e.Text);
        var e2 = Ed("<ossec_config></ossec_config>");
        e2.SetValues("global", "email_to", new[] { "a@b.c" });
        Assert.False(e2.Validate().HasErrors);
        Assert.Equal("<ossec_config>\n  <global>\n    <email_to>a@b.c</email_to>\n  </global>\n</ossec_config>", e2.Text);
    }

    [Fact]
    public void RejectsMarkupAndMalformedFiles()
    {
        Assert.Equal("InvalidValue", Assert.Throws<ConfigurationEditException>(() => Ed().AddIgnore("/x</ignore><ignore>/y", null)).ErrorId);
        Assert.Equal("InvalidValue", Assert.Throws<ConfigurationEditException>(() => Ed().AddIgnore("/tmp/x\\", null)).ErrorId);
        Assert.Equal("InvalidConfiguration", Assert.Throws<ConfigurationEditException>(() => Ed("<ossec_config><global></ossec_config>")).ErrorId);
    }

    [Fact]
    public void KeepsCrLfLineEndingsAndTabIndentation()
    {
        var crlf = Sample.Replace("\n", "\r\n");
        var e = Ed(crlf);
        e.AddDirectories(new[] { "/var/www" }, new DirectoryOptions { CheckAll = true });
        e.SetValue("syscheck", "alert_new_files", "yes");
        e.SetActiveResponse("firewall-drop", level: 6, timeout: 600);
        Assert.DoesNotContain("\n", e.Text.Replace("\r\n", ""));
        Assert.False(e.Validate().HasErrors);
        Assert.True(e.RemoveDirectory("/var/www"));

        var tabs = "<ossec_config>\n\t<syscheck>\n\t\t<frequency>10</frequency>\n\t</syscheck>\n</ossec_config>\n";
        var t = Ed(tabs);
        t.AddIgnore("/x", null);
        t.SetValue("alerts", "email_alert_level", "8");
        Assert.Equal("<ossec_config>\n\t<syscheck>\n\t\t<frequency>10</frequency>\n\t\t<ignore>/x</ignore>\n\t</syscheck>\n\n\t<alerts>\n\t\t<email_alert_level>8</email_alert_level>\n\t</alerts>\n</ossec_config>\n", t.Text);
    }
}
