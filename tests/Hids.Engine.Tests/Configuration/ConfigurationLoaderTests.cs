using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.Configuration;

public class ConfigurationLoaderTests
{
    private static ConfigurationLoadResult Load(string inner) => ConfigurationLoader.LoadText($"<ossec_config>\n{inner}\n</ossec_config>\n", "/t/ossec.conf");

    private static string Errors(ConfigurationLoadResult r) => string.Join("\n", r.Errors);

    [Theory]
    [InlineData("ossec-3.2.0")]
    [InlineData("ossec-main")]
    public void RealOssecDefaultConfigsLoadWithoutErrors(string version)
    {
        var r = ConfigurationLoader.Load(Path.Combine(TestPaths.Conformance, version, "ossec.conf"));
        Assert.False(r.HasErrors, Errors(r));
        var c = r.Configuration;
        Assert.Equal("smtp.example.com.", c.Global.SmtpServer);
        Assert.Equal(6, c.Global.WhiteList.Count); // second <global> merged into the first
        Assert.Equal(72000, c.Syscheck.Frequency);
        Assert.Equal(new[] { "/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/boot" }, c.Syscheck.Directories.Select(d => d.Path));
        Assert.All(c.Syscheck.Directories, d => Assert.True(d.CheckAll));
        Assert.Contains(c.Syscheck.NoDiff, n => n.Value == "/etc/ssl/private.key");
        Assert.Equal(3, c.Commands.Count);
        Assert.Equal(2, c.ActiveResponses.Count);
        Assert.All(c.ActiveResponses, a => Assert.Equal(600, a.Timeout));
        Assert.Equal("local_rules.xml", c.Rules.Include[^1]);
        Assert.Contains(r.Diagnostics, d => d.Code == ConfigCodes.NotModelled && d.Message.Contains("<remote>"));
        Assert.True(c.LocalFiles.Count >= 8);
    }

    // The guide's snippets, pasted verbatim (whitespace and comments included) into their sections.
    private const string GuideGlobal = @"<global>
  <email_notification>yes</email_notification>
  <email_to>loginName@example.com</email_to>
  <smtp_server>mail.example.com.</smtp_server>
  <email_from>ossecm@hostname</email_from>
</global>";

    private const string GuideSyscheckHead = @"<syscheck>
  <!-- Frequency that syscheck is executed - default to every 22 hours -->
  <frequency>79200</frequency>

  <alert_new_files>yes</alert_new_files>
";

    private const string GuideDirectories = @"<!-- Directories to check  (perform all possible verifications) -->
<directories report_changes=""yes"" realtime=""yes"" check_all=""yes"">/etc,/usr/bin,/usr/sbin</directories>
<directories report_changes=""yes"" realtime=""yes"" check_all=""yes"">/bin,/sbin</directories>
<directories report_changes=""yes"" realtime=""yes"" check_all=""yes"">/home/username,/var/www</directories>
";

    private const string GuideIgnore = @"<!-- Files/directories to ignore -->
<ignore>/etc/mtab</ignore>
<ignore>/etc/mnttab</ignore>
<ignore>/etc/hosts.deny</ignore>
<ignore>/etc/mail/statistics</ignore>
<ignore>/etc/random-seed</ignore>
<ignore>/etc/adjtime</ignore>
<ignore>/etc/httpd/logs</ignore>
<ignore>/etc/utmpx</ignore>
<ignore>/etc/wtmpx</ignore>
<ignore>/etc/cups/certs</ignore>
<ignore>/etc/dumpdates</ignore>
<ignore>/etc/svc/volatile</ignore>
<ignore>/var/ossec/logs</ignore>
<ignore>/var/ossec/queue</ignore>
<ignore>/var/ossec/var</ignore>
<ignore>/var/ossec/tmp</ignore>
<ignore>/var/ossec/stats</ignore>
";

    private const string GuideActiveResponse = @"<!-- Active Response Config -->
<active-response>

  <command>host-deny</command>
  <location>local</location>
  <level>6</level>
  <timeout>600</timeout>
</active-response>


<active-response>

  <command>firewall-drop</command>
  <location>local</location>
  <level>6</level>
  <timeout>600</timeout>
</active-response>
";

    private const string Commands = @"<command><name>host-deny</name><executable>host-deny.sh</executable><expect>srcip</expect><timeout_allowed>yes</timeout_allowed></command>
<command><name>firewall-drop</name><executable>firewall-drop.sh</executable><expect>srcip</expect><timeout_allowed>yes</timeout_allowed></command>";

    [Fact]
    public void EveryGuideSnippetLoadsVerbatim()
    {
        var r = Load(GuideGlobal + "\n" + GuideSyscheckHead + GuideDirectories + GuideIgnore + "</syscheck>\n" + Commands + "\n" + GuideActiveResponse);
        Assert.False(r.HasErrors, Errors(r));
        Assert.DoesNotContain(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning);
        var c = r.Configuration;
        Assert.True(c.Global.EmailNotification);
        Assert.Equal("mail.example.com.", c.Global.SmtpServer);
        Assert.Equal(new[] { "loginName@example.com" }, c.Global.EmailTo);
        Assert.Equal("ossecm@hostname", c.Global.EmailFrom);
        Assert.Equal(79200, c.Syscheck.Frequency);
        Assert.True(c.Syscheck.AlertNewFiles);
        Assert.Equal(7, c.Syscheck.Directories.Count);
        var first3 = c.Syscheck.Directories.Take(3).ToList();
        Assert.Equal(new[] { "/etc", "/usr/bin", "/usr/sbin" }, first3.Select(d => d.Path));
        Assert.All(c.Syscheck.Directories, d => Assert.True(d.ReportChanges && d.Realtime && d.CheckAll));
        Assert.Equal(17, c.Syscheck.Ignore.Count);
        Assert.Equal(2, c.ActiveResponses.Count);
        Assert.All(c.ActiveResponses, a => { Assert.Equal(6, a.Level); Assert.Equal(600, a.Timeout); Assert.Equal("local", a.Location); });
    }

    [Fact]
    public void ActiveResponseSnippetAloneOnlyWarnsForBuiltInCommands()
    {
        var r = Load(GuideActiveResponse);
        Assert.False(r.HasErrors, Errors(r));
        Assert.Equal(2, r.Diagnostics.Count(d => d.Code == ConfigCodes.UndefinedCommand && d.Severity == DiagnosticSeverity.Warning));
    }

    [Fact]
    public void SectionOutsideOssecConfigIsReadWithAWarning()
    {
        var r = ConfigurationLoader.LoadText(GuideGlobal, "/t/x.conf");
        Assert.False(r.HasErrors, Errors(r));
        Assert.Contains(r.Diagnostics, d => d.Code == ConfigCodes.UnexpectedRoot && d.Severity == DiagnosticSeverity.Warning);
        Assert.Equal("mail.example.com.", r.Configuration.Global.SmtpServer);
    }

    [Fact]
    public void SeveralRootsMerge()
    {
        var r = ConfigurationLoader.LoadText("<ossec_config><global><email_to>a@b.c</email_to></global></ossec_config>\n<ossec_config><global><email_to>d@e.f</email_to></global><syscheck><frequency>900</frequency></syscheck></ossec_config>", "/t/o.conf");
        Assert.False(r.HasErrors, Errors(r));
        Assert.Equal(new[] { "a@b.c", "d@e.f" }, r.Configuration.Global.EmailTo);
        Assert.Equal(900, r.Configuration.Syscheck.Frequency);
    }

    private static HidsDiagnostic Single(ConfigurationLoadResult r, string code)
    {
        var d = r.Diagnostics.Where(x => x.Code == code).ToList();
        Assert.True(d.Count == 1, $"expected one {code}, got: " + string.Join("\n", r.Diagnostics));
        return d[0];
    }

    [Fact]
    public void MalformedXmlHasPositionAndHint()
    {
        var r = ConfigurationLoader.LoadText("<ossec_config>\n  <global>\n    <email_to>a@b.c</email_to>\n  </globl>\n</ossec_config>", "/t/o.conf");
        var d = Single(r, ConfigCodes.MalformedXml);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(4, d.Line);
        Assert.Equal("/t/o.conf", d.File);
        Assert.Contains("</global>", d.Hint);
    }

    [Fact]
    public void GarbageAfterTheConfigIsAnError()
    {
        var r = ConfigurationLoader.LoadText("<ossec_config></ossec_config>\nrm -rf /\n", "/t/o.conf");
        Assert.True(r.HasErrors);
        Assert.Equal(2, Single(r, ConfigCodes.MalformedXml).Line);
    }

    [Fact]
    public void UnknownElementSuggestsTheClosestName()
    {
        var r = Load("<syscheck>\n  <frequncy>900</frequncy>\n</syscheck>");
        var d = Single(r, ConfigCodes.UnknownElement);
        Assert.Equal(3, d.Line); Assert.Equal(3, d.Column);
        Assert.Contains("Did you mean 'frequency'?", d.Hint);
    }

    [Fact]
    public void UnknownSectionAndAttributeSuggest()
    {
        var r = Load("<sysckeck/>\n<syscheck><directories check_al=\"yes\">/etc</directories></syscheck>");
        Assert.Contains("'syscheck'", Single(r, ConfigCodes.UnknownElement).Hint);
        Assert.Contains("'check_all'", Single(r, ConfigCodes.UnknownAttribute).Hint);
    }

    [Fact]
    public void OssecSectionsHidsDoesNotModelAreNotErrors()
    {
        var r = Load("<remote><connection>secure</connection></remote><client><server-ip>1.2.3.4</server-ip></client><wodle name=\"x\"><disabled>yes</disabled></wodle><labels><label key=\"a\">b</label></labels>");
        Assert.False(r.HasErrors, Errors(r));
        Assert.Equal(4, r.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Info));
    }

    [Theory]
    [InlineData("<syscheck><frequency>-1</frequency></syscheck>", ConfigCodes.OutOfRange, "frequency")]
    [InlineData("<syscheck><frequency>abc</frequency></syscheck>", ConfigCodes.InvalidNumber, "abc")]
    [InlineData("<active-response><command>firewall-drop</command><timeout>abc</timeout></active-response>", ConfigCodes.InvalidNumber, "abc")]
    [InlineData("<alerts><email_alert_level>99</email_alert_level></alerts>", ConfigCodes.OutOfRange, "0 to 16")]
    [InlineData("<active-response><command>firewall-drop</command><level>99</level></active-response>", ConfigCodes.OutOfRange, "16")]
    [InlineData("<syscheck><directories check_all=\"yes\">etc/x</directories></syscheck>", ConfigCodes.RelativePath, "/etc/x")]
    [InlineData("<global><email_to>root</email_to></global>", ConfigCodes.InvalidEmail, "@")]
    [InlineData("<hids><smtp_port>70000</smtp_port></hids>", ConfigCodes.OutOfRange, "65535")]
    [InlineData("<syscheck><alert_new_files>true</alert_new_files></syscheck>", ConfigCodes.InvalidYesNo, "yes or no")]
    [InlineData("<syscheck><directories realtime=\"1\">/etc</directories></syscheck>", ConfigCodes.InvalidYesNo, "yes or no")]
    [InlineData("<localfile><log_format>syslg</log_format><location>/var/log/x</location></localfile>", ConfigCodes.InvalidChoice, "'syslog'")]
    [InlineData("<localfile><log_format>syslog</log_format><location>var/log/x</location></localfile>", ConfigCodes.RelativePath, "full path")]
    [InlineData("<localfile><log_format>full_command</log_format></localfile>", ConfigCodes.MissingElement, "<command>")]
    [InlineData("<hids><smtp_security>ssl</smtp_security></hids>", ConfigCodes.InvalidChoice, "starttls")]
    public void BadValuesAreTypedErrorsWithHints(string inner, string code, string hintPart)
    {
        var r = Load(inner);
        Assert.True(r.HasErrors);
        var d = Single(r, code);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(2, d.Line);
        Assert.True(d.Column > 0);
        Assert.Contains(hintPart, d.Message + " " + d.Hint);
    }

    [Fact]
    public void SameDirectoryTwiceWithDifferentOptionsConflicts()
    {
        var r = Load("<syscheck>\n<directories check_all=\"yes\">/etc,/var/www</directories>\n<directories realtime=\"yes\" check_all=\"yes\">/var/www/</directories>\n</syscheck>");
        var d = Single(r, ConfigCodes.ConflictingDirectory);
        Assert.Equal(4, d.Line);
        Assert.Contains("line 3", d.Message);
        var same = Load("<syscheck><directories check_all=\"yes\">/etc</directories><directories check_all=\"yes\">/etc</directories></syscheck>");
        Assert.False(same.HasErrors);
        Assert.Equal(DiagnosticSeverity.Warning, Single(same, ConfigCodes.DuplicateEntry).Severity);
    }

    [Fact]
    public void UndefinedAndDuplicateCommands()
    {
        var r = Load(Commands + "\n<command><name>host-deny</name><executable>x.sh</executable></command>\n<active-response><command>firewal-drop</command><level>6</level></active-response>");
        Assert.Contains("first at line", Single(r, ConfigCodes.DuplicateCommand).Message);
        var u = Single(r, ConfigCodes.UndefinedCommand);
        Assert.Equal(DiagnosticSeverity.Error, u.Severity);
        Assert.Contains("'firewall-drop'", u.Hint);
    }

    [Fact]
    public void IgnoreTypesNodiffAndHidsExtensions()
    {
        var r = Load("<syscheck><ignore type=\"sregex\">.log$|.tmp$</ignore><ignore>/etc/mtab</ignore><nodiff type=\"sregex\">\\.key$|\\.pem$</nodiff><nodiff>/etc/shadow</nodiff></syscheck>\n<hids><hosts_deny_path>/tmp/x/hosts.deny</hosts_deny_path><smtp_port>2525</smtp_port><smtp_security>starttls</smtp_security></hids>");
        Assert.False(r.HasErrors, Errors(r));
        var c = r.Configuration;
        Assert.Equal("sregex", c.Syscheck.Ignore[0].Type);
        Assert.Null(c.Syscheck.Ignore[1].Type);
        Assert.Equal(@"\.key$|\.pem$", c.Syscheck.NoDiff[0].Value);
        Assert.Equal(2525, c.Global.SmtpPort);
        Assert.Equal("starttls", c.Global.SmtpSecurity);
        Assert.Equal("/tmp/x/hosts.deny", c.Hids.HostsDenyPath);
        var bad = Load("<syscheck><ignore type=\"regex\">x</ignore></syscheck>");
        Assert.Contains("sregex", Single(bad, ConfigCodes.InvalidChoice).Hint);
    }

    [Fact]
    public void CommandMonitoringAndRules()
    {
        var r = Load(@"<localfile><log_format>full_command</log_format><command>netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort</command><alias>netstat listening ports</alias><frequency>360</frequency></localfile>
<localfile><log_format>command</log_format><command>df -P</command></localfile>
<rules><include>rules_config.xml</include><include>local_rules.xml</include><decoder>etc/my_decoder.xml</decoder></rules>");
        Assert.False(r.HasErrors, Errors(r));
        var lf = r.Configuration.LocalFiles;
        Assert.Equal("netstat listening ports", lf[0].Key);
        Assert.Equal("df -P", lf[1].Key);
        Assert.Equal("command", lf[1].LogFormat);
    }

    [Fact]
    public void MissingFileIsADiagnosticNotAnException()
    {
        var r = ConfigurationLoader.Load("/nonexistent/hids/etc/ossec.conf");
        Assert.Equal(ConfigCodes.FileNotFound, Single(r, ConfigCodes.FileNotFound).Code);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        var r = ConfigurationLoader.LoadText("<!-- nothing -->\n", "/t/o.conf");
        Single(r, ConfigCodes.NoConfiguration);
    }
}
