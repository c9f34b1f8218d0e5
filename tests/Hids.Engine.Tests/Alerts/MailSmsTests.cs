using Hids.Engine.Alerts;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using MimeKit;

namespace Hids.Engine.Tests.Alerts;

/// <summary>&lt;email_alerts&gt;&lt;format&gt;sms&lt;/format&gt;: short mails for SMS gateways, per recipient, through a real SMTP server.</summary>
[Collection("alerts-mail")]
public sealed class MailSmsTests : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-mailsms");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 4, 10, 5, 0, TimeSpan.Zero));
    private string Queue => _dir.Combine("queue", "mail");

    public void Dispose() => _dir.Dispose();

    private static MailSettings Settings(int port) => new()
    {
        Enabled = true,
        Smtp = new SmtpSettings { Server = "127.0.0.1", Port = port, From = "hids@deft.example", TimeoutMs = 5000 },
        To = new List<string> { "admin@example.com" },
        EmailAlertLevel = 7,
        MaxPerHour = 100,
        HostName = "deft",
        Granular = new List<EmailAlertOptions>
        {
            new() { EmailTo = { "pager@sms.example" }, Format = "sms" },
        },
    };

    private MailNotifier Notifier(MailSettings s) => new(s, Queue, NullLog.Instance, _clock, background: false);

    private static string Body(MimeMessage m) => (m.TextBody ?? "").Replace("\r\n", "\n").TrimEnd('\n');

    private static List<MimeMessage> For(IEnumerable<MimeMessage> all, string to)
        => all.Where(m => m.To.Mailboxes.Any(b => b.Address == to)).ToList();

    [Fact]
    public void Sms_recipients_get_one_short_mail_per_alert_while_full_recipients_get_the_grouped_notification()
    {
        using var smtp = new LoopbackSmtp();
        using var n = Notifier(Settings(smtp.Port));
        n.Write(GuideAlerts.Rule550());
        n.Write(GuideAlerts.Rule533());
        n.Write(GuideAlerts.Rule2902());
        n.Flush();
        var all = smtp.WaitFor(4);
        Assert.Equal(4, all.Count);

        var full = Assert.Single(For(all, "admin@example.com"));
        Assert.Equal("Hids Notification - deft - Alert level 7 (3 alerts)", full.Subject);
        Assert.Contains("Received From: deft->syscheck", full.TextBody!);

        var sms = For(all, "pager@sms.example");
        Assert.Equal(3, sms.Count);
        Assert.All(sms, m => Assert.Single(m.To.Mailboxes));
        var s550 = sms.Single(m => (m.Subject ?? "").EndsWith("rule 550"));
        Assert.Equal("Hids deft: level 7 rule 550", s550.Subject);
        var body = Body(s550);
        Assert.True(body.Length <= AlertText.SmsMaxLength, $"{body.Length} chars: {body}");
        var lines = body.Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("Rule 550 level 7: Integrity checksum changed.", lines[0]);
        Assert.Equal("deft->syscheck 2015 Jan 30 09:57:06", lines[1]);
        Assert.StartsWith("Integrity checksum changed for: '/home/finid/sidebar.php' Size changed", lines[2]);
        Assert.EndsWith("...", lines[2]);                    // the 9-line log is cut, on one line
        Assert.DoesNotContain("END OF NOTIFICATION", body);
        Assert.DoesNotContain("Received From", body);

        var s2902 = Body(sms.Single(m => (m.Subject ?? "").EndsWith("rule 2902")));
        Assert.StartsWith("Rule 2902 level 7: New dpkg (Debian Package) installed.\n" +
                          "deft->/var/log/dpkg.log 2015 Jan 30 09:19:16\n" +
                          "2015-01-30 09:19:14 status installed nginx-common:all 1.", s2902);
        Assert.Equal(AlertText.SmsMaxLength, s2902.Length); // filled up to the limit, no further

        var s533 = Body(sms.Single(m => (m.Subject ?? "").EndsWith("rule 533")));
        Assert.True(s533.Length <= AlertText.SmsMaxLength);
        Assert.StartsWith("Rule 533 level 7: Listened ports status (netstat) changed", s533);
    }

    [Fact]
    public void Sms_body_stays_within_the_limit_for_long_descriptions_and_hostile_text()
    {
        var a = GuideAlerts.Sshd(1, GuideAlerts.Jan30, "192.0.2.7", "root");
        a.Description = new string('D', 400) + "\r\nSubject: injected";
        a.FullLog = "line1\r\n\tline2 " + new string('x', 1000);
        a.Location = new string('L', 300);
        var body = AlertText.SmsBody(a);
        Assert.True(body.Length <= AlertText.SmsMaxLength);
        Assert.StartsWith("Rule 5716 level 5: DDD", body);
        Assert.Equal(3, body.Split('\n').Length);
        Assert.DoesNotContain("\r", body);
        Assert.DoesNotContain("\t", body);
        Assert.Contains("line1 line2 xxx", body);
        Assert.Equal("Hids deft: level 5 rule 5716", AlertText.SmsSubject(a, "deft"));
    }

    [Fact]
    public void The_sms_format_survives_a_restart_and_the_digest_is_short_too()
    {
        using var smtp = new LoopbackSmtp();
        var s = Settings(smtp.Port);
        s.To.Clear();
        s.MaxPerHour = 1;
        using (var n = Notifier(s))
        {
            n.Write(GuideAlerts.Rule550());
            n.Write(GuideAlerts.Rule553());
            n.Write(GuideAlerts.Rule554());
        } // not flushed: the alerts wait in queue/mail/pending
        using (var n = Notifier(s))
        {
            n.Flush();
            var first = Assert.Single(smtp.WaitFor(1));
            Assert.Equal("Hids deft: level 7 rule 550", first.Subject);
            Assert.Equal(2, n.Status.Held);
            _clock.Advance(TimeSpan.FromHours(1));
            n.Flush();
            var all = smtp.WaitFor(2);
            Assert.Equal(2, all.Count);
            var digest = all[1];
            Assert.Equal("Hids deft: 2 alerts held", digest.Subject);
            var body = Body(digest);
            Assert.True(body.Length <= AlertText.SmsMaxLength);
            Assert.Contains("553,554", body);
            Assert.Equal(0, n.Status.Held);
        }
    }

    [Fact]
    public void Sms_is_chosen_per_recipient_by_the_email_alerts_block_from_ossec_conf()
    {
        using var smtp = new LoopbackSmtp();
        var conf = $"""
            <ossec_config>
              <global>
                <email_notification>yes</email_notification>
                <email_to>admin@example.com</email_to>
                <smtp_server>127.0.0.1</smtp_server>
                <email_from>hids@deft.example</email_from>
              </global>
              <hids><smtp_port>{smtp.Port}</smtp_port></hids>
              <email_alerts>
                <email_to>pager@sms.example</email_to>
                <rule_id>2902</rule_id>
                <format>sms</format>
              </email_alerts>
              <email_alerts>
                <email_to>ops@example.com</email_to>
                <rule_id>2902</rule_id>
                <format>full</format>
              </email_alerts>
            </ossec_config>
            """;
        var r = ConfigurationLoader.LoadText(conf, "/etc/ossec.conf");
        Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
        var s = MailSettings.From(r.Configuration);
        s.HostName = "deft";
        using var n = Notifier(s);
        n.Write(GuideAlerts.Rule2902());
        n.Flush();
        var all = smtp.WaitFor(3);
        Assert.Equal(3, all.Count);
        Assert.Equal("Hids deft: level 7 rule 2902", Assert.Single(For(all, "pager@sms.example")).Subject);
        Assert.Contains("--END OF NOTIFICATION", Assert.Single(For(all, "ops@example.com")).TextBody!);
        Assert.Contains("--END OF NOTIFICATION", Assert.Single(For(all, "admin@example.com")).TextBody!);
    }

    [Fact]
    public void The_test_email_is_built_by_the_engine_from_configuration_and_overrides()
    {
        var c = new HidsConfiguration();
        c.Global.EmailTo.Add("admin@example.com");
        c.Global.SmtpServer = "mail.example.com.";
        c.Global.SmtpSecurity = "starttls";
        c.Global.SmtpCaFile = "/etc/hids/ca.pem";
        var now = new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
        var plan = TestEmail.Prepare(c, new TestEmailRequest { Port = 587, From = "hids@deft.example", InstanceRoot = "/var/hids", HostName = "deft", TimeoutSeconds = 7 }, now);
        Assert.Equal(TestEmailProblem.None, plan.Problem);
        Assert.Equal("mail.example.com.", plan.Smtp.Server);
        Assert.Equal(587, plan.Smtp.Port);
        Assert.Equal("starttls", plan.Smtp.Security);
        Assert.Equal("/etc/hids/ca.pem", plan.Smtp.CaFile);
        Assert.Equal(7000, plan.Smtp.TimeoutMs);
        Assert.Equal("admin@example.com via mail.example.com.:587", plan.Target);
        var m = plan.Message!;
        Assert.Equal("Hids test message - deft", m.Subject);
        Assert.Equal("hids@deft.example", m.From.Mailboxes.Single().Address);
        Assert.Contains("Sent by Send-HidsTestEmail from deft (instance /var/hids) through mail.example.com.:587 (starttls).", m.TextBody!);
        Assert.Contains("--END OF NOTIFICATION", m.TextBody!);

        var creds = TestEmail.Prepare(c, new TestEmailRequest { User = "u", Password = "p", Security = "TLS", CertificateFingerprint = "ab" });
        Assert.Equal(("u", "p", "tls", "ab"), (creds.Smtp.User, creds.Smtp.Password, creds.Smtp.Security, creds.Smtp.CertificateFingerprint));

        Assert.Equal(TestEmailProblem.NoSmtpServer, TestEmail.Prepare(new HidsConfiguration(), new TestEmailRequest { To = new[] { "a@b.example" } }).Problem);
        var noTo = TestEmail.Prepare(new HidsConfiguration(), new TestEmailRequest { SmtpServer = "127.0.0.1" });
        Assert.Equal(TestEmailProblem.NoRecipient, noTo.Problem);
        Assert.Contains("Set-HidsEmail -To", noTo.ProblemHint);
        Assert.Equal(TestEmailProblem.InvalidAddress, TestEmail.Prepare(c, new TestEmailRequest { To = new[] { "not an address <<" } }).Problem);
    }

    [Fact]
    public void The_test_email_goes_through_a_real_server_and_reports_the_outcome()
    {
        using var smtp = new LoopbackSmtp();
        var c = new HidsConfiguration();
        c.Global.EmailTo.Add("admin@example.com");
        c.Global.SmtpServer = "127.0.0.1";
        c.Global.SmtpPort = smtp.Port;
        var r = TestEmail.Send(TestEmail.Prepare(c, new TestEmailRequest { HostName = "deft", TimeoutSeconds = 5 }));
        Assert.True(r.Success, r.Error);
        Assert.False(r.Encrypted);
        Assert.Null(r.CertificateSha256);
        var m = Assert.Single(smtp.WaitFor(1));
        Assert.Equal("Hids test message - deft", m.Subject);
        Assert.Equal("test", m.Headers["X-Hids"]);
    }
}
