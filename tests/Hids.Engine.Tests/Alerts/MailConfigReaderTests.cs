using Hids.Engine.Alerts;

namespace Hids.Engine.Tests.Alerts;

public sealed class MailConfigReaderTests
{
    [Fact]
    public void Reads_the_guides_global_section_and_email_alerts()
    {
        using var dir = TestPaths.NewTempDir("hids-mailconf");
        var conf = dir.Combine("ossec.conf");
        File.WriteAllText(conf, """
            <ossec_config>
              <global>
                <email_notification>yes</email_notification>
                <email_to>loginName@example.com</email_to>
                <smtp_server>mail.example.com.</smtp_server>
                <email_from>ossecm@hostname</email_from>
                <email_maxperhour>30</email_maxperhour>
              </global>
              <alerts>
                <log_alert_level>1</log_alert_level>
                <email_alert_level>7</email_alert_level>
              </alerts>
              <email_alerts>
                <email_to>web@example.com</email_to>
                <group>syscheck,</group>
                <level>5</level>
                <do_not_delay />
                <do_not_group />
              </email_alerts>
            </ossec_config>
            """);
        var c = MailConfigReader.Read(conf);
        Assert.True(c.Global.EmailNotification);
        Assert.Equal(new[] { "loginName@example.com" }, c.Global.EmailTo);
        Assert.Equal("mail.example.com.", c.Global.SmtpServer);
        Assert.Equal(30, c.Global.EmailMaxPerHour);
        var g = Assert.Single(c.EmailAlerts);
        Assert.Equal(new[] { "syscheck" }, g.Group);
        Assert.Equal(5, g.Level);
        Assert.True(g.DoNotDelay && g.DoNotGroup);
        var s = MailSettings.From(c);
        Assert.Equal(30, s.MaxPerHour);
        Assert.Equal("mail.example.com.", s.Smtp.Server); // the trailing dot is removed only when connecting
        Assert.Equal(25, s.Smtp.Port);
        Assert.Equal("none", s.Smtp.Security);
    }
}
