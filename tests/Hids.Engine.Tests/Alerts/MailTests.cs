using Hids.Engine.Alerts;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using MimeKit;

namespace Hids.Engine.Tests.Alerts;

[Collection("alerts-mail")]
public sealed class MailTests : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-mail");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 4, 10, 5, 0, TimeSpan.Zero));
    private string Queue => _dir.Combine("queue", "mail");

    public void Dispose() => _dir.Dispose();

    private static MailSettings Settings(int port, params string[] to) => new()
    {
        Enabled = true,
        Smtp = new SmtpSettings { Server = "127.0.0.1", Port = port, From = "hids@deft.example", TimeoutMs = 5000 },
        To = to.Length == 0 ? new List<string> { "admin@example.com" } : to.ToList(),
        EmailAlertLevel = 7,
        MaxPerHour = 100,
        GroupDelay = TimeSpan.FromSeconds(10),
        RetryMin = TimeSpan.FromSeconds(5),
        HostName = "deft",
    };

    private MailNotifier Notifier(MailSettings s) => new(s, Queue, NullLog.Instance, _clock, background: false);

    private static string Body(MimeMessage m) => (m.TextBody ?? "").Replace("\r\n", "\n").TrimEnd('\n') + "\n";

    [Fact]
    public void Notification_for_502_has_the_guide_shape_with_hids_name()
    {
        using var smtp = new LoopbackSmtp();
        var s = Settings(smtp.Port); s.EmailAlertLevel = 3;
        using var n = Notifier(s);
        Assert.True(n.Write(GuideAlerts.Rule502()));
        n.Flush();
        var m = Assert.Single(smtp.WaitFor(1));
        Assert.Equal("Hids Notification - deft - Alert level 3", m.Subject);
        Assert.Equal("hids@deft.example", m.From.Mailboxes.Single().Address);
        Assert.Equal("admin@example.com", m.To.Mailboxes.Single().Address);
        var expected = "\nHids Notification.\n2015 Jan 30 08:22:52\n\nReceived From: deft->ossec-monitord\n" +
                       "Rule: 502 fired (level 3) -> \"Ossec server started.\"\nPortion of the log(s):\n\n" +
                       "ossec: Ossec started.\n\n\n --END OF NOTIFICATION\n";
        Assert.Equal(expected, Body(m));
    }

    public static IEnumerable<object[]> GuideRules() => new[]
    {
        new object[] { 550 }, new object[] { 553 }, new object[] { 554 }, new object[] { 533 }, new object[] { 2902 },
    };

    private static Alert ByRule(int id) => id switch
    {
        550 => GuideAlerts.Rule550(), 553 => GuideAlerts.Rule553(), 554 => GuideAlerts.Rule554(),
        533 => GuideAlerts.Rule533(), 2902 => GuideAlerts.Rule2902(), _ => GuideAlerts.Rule502(),
    };

    [Theory]
    [MemberData(nameof(GuideRules))]
    public void Notification_for_guide_rules_carries_the_whole_log(int ruleId)
    {
        using var smtp = new LoopbackSmtp();
        using var n = Notifier(Settings(smtp.Port));
        var alert = ByRule(ruleId);
        Assert.True(n.Write(alert));
        n.Flush();
        var m = Assert.Single(smtp.WaitFor(1));
        var body = Body(m);
        var lines = body.Split('\n');
        Assert.Equal("Hids Notification.", lines[1]);
        Assert.Equal(AlertText.OssecDate(alert.Time), lines[2]);
        Assert.Equal($"Received From: deft->{alert.Location}", lines[4]);
        Assert.Equal($"Rule: {ruleId} fired (level 7) -> \"{alert.Description}\"", lines[5]);
        Assert.Equal("Portion of the log(s):", lines[6]);
        Assert.Contains(alert.FullLog + "\n", body);
        Assert.EndsWith("\n --END OF NOTIFICATION\n", body);
        Assert.Equal("Hids Notification - deft - Alert level 7", m.Subject);
        if (ruleId == 550)
        {
            Assert.Contains("What changed:\n0a1\n> this is a php file\n", body);
            Assert.Contains("Old md5sum was: 'd41d8cd98f00b204e9800998ecf8427e'\nNew md5sum is : 'df4f22f84b5ceb2c31cbb391883f2c83'\n", body);
            Assert.Contains("New sha1sum is : '297b920c943134074690344a3da83f19483a93ef'", body);
        }
        if (ruleId == 533)
        {
            Assert.Contains("0.0.0.0:80", body);
            Assert.Contains("\nPrevious output:\nossec: output: 'netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort':\n", body);
        }
    }

    [Fact]
    public void Alerts_close_together_are_grouped_and_a_mail_holds_at_most_20()
    {
        using var smtp = new LoopbackSmtp();
        using var n = Notifier(Settings(smtp.Port));
        for (int i = 0; i < 3; i++) n.Write(GuideAlerts.Rule553(GuideAlerts.Jan30.AddSeconds(i)));
        n.ProcessOnce();
        Assert.Empty(smtp.Received); // still waiting for companions
        _clock.Advance(TimeSpan.FromSeconds(11));
        n.ProcessOnce();
        var m = Assert.Single(smtp.WaitFor(1));
        Assert.Equal(3, Body(m).Split("--END OF NOTIFICATION").Length - 1);
        Assert.Equal("Hids Notification - deft - Alert level 7 (3 alerts)", m.Subject);

        for (int i = 0; i < 25; i++) n.Write(GuideAlerts.Rule553(GuideAlerts.Jan30.AddMinutes(i)));
        n.ProcessOnce(); // 20 reached: one full mail goes without waiting
        var after = smtp.WaitFor(2);
        Assert.Equal(2, after.Count);
        Assert.Equal(20, Body(after[1]).Split("--END OF NOTIFICATION").Length - 1);
        _clock.Advance(TimeSpan.FromSeconds(11));
        n.ProcessOnce();
        var last = smtp.WaitFor(3);
        Assert.Equal(5, Body(last[2]).Split("--END OF NOTIFICATION").Length - 1);
    }

    [Fact]
    public void Granular_recipients_with_do_not_group_and_do_not_delay_get_one_mail_per_alert_at_once()
    {
        using var smtp = new LoopbackSmtp();
        var s = Settings(smtp.Port);
        s.Granular.Add(new EmailAlertOptions { EmailTo = { "web@example.com" }, Group = { "syscheck" }, Level = 5, DoNotGroup = true, DoNotDelay = true });
        s.Granular.Add(new EmailAlertOptions { EmailTo = { "dpkg@example.com" }, RuleIds = { 2902 } });
        using var n = Notifier(s);
        n.Write(GuideAlerts.Rule550());
        n.Write(GuideAlerts.Rule553());
        n.Write(GuideAlerts.Rule2902());
        n.ProcessOnce();
        var web = smtp.WaitFor(2);
        Assert.Equal(2, web.Count);
        Assert.All(web, m => Assert.Equal("web@example.com", m.To.Mailboxes.Single().Address));
        _clock.Advance(TimeSpan.FromSeconds(11));
        n.ProcessOnce();
        var all = smtp.WaitFor(4);
        Assert.Equal(4, all.Count);
        var admin = all.Single(m => m.To.Mailboxes.Single().Address == "admin@example.com");
        Assert.Equal(3, Body(admin).Split("--END OF NOTIFICATION").Length - 1);
        var dpkg = all.Single(m => m.To.Mailboxes.Single().Address == "dpkg@example.com");
        Assert.Contains("Rule: 2902 fired", Body(dpkg));
    }

    [Fact]
    public void Routing_honours_email_alert_level_and_rule_options()
    {
        var s = Settings(25);
        Assert.Empty(MailRouter.Route(GuideAlerts.Rule502(), s));                 // level 3 < 7
        var forced = GuideAlerts.Rule502(); forced.AlertByEmail = true;
        Assert.Single(MailRouter.Route(forced, s));                               // alert_by_email
        var silenced = GuideAlerts.Rule550(); silenced.NoEmail = true;
        Assert.Empty(MailRouter.Route(silenced, s));                              // no_email_alert
        Assert.Single(MailRouter.Route(GuideAlerts.Rule550(), s));
        s.Enabled = false;
        Assert.Empty(MailRouter.Route(GuideAlerts.Rule550(), s));                 // email_notification no
        s.Enabled = true;
        s.Granular.Add(new EmailAlertOptions { EmailTo = { "low@example.com" }, Level = 3, EventLocation = { "monitord" } });
        var r = Assert.Single(MailRouter.Route(GuideAlerts.Rule502(), s));         // granular level below the global one
        Assert.Equal(new[] { "low@example.com" }, r.To);
        s.Granular.Add(new EmailAlertOptions { EmailTo = { "admin@example.com" }, RuleIds = { 550 } });
        Assert.Single(MailRouter.Route(GuideAlerts.Rule550(), s));                 // the same recipient gets it once
    }

    [Fact]
    public void Email_maxperhour_holds_the_excess_and_sends_it_as_a_digest_in_the_next_hour()
    {
        using var smtp = new LoopbackSmtp();
        var s = Settings(smtp.Port); s.MaxPerHour = 3;
        s.Granular.Add(new EmailAlertOptions { EmailTo = { "each@example.com" }, DoNotGroup = true, DoNotDelay = true });
        s.To.Clear();
        using var n = Notifier(s);
        for (int i = 0; i < 10; i++)
        {
            var a = GuideAlerts.Rule550(GuideAlerts.Jan30.AddSeconds(i));
            a.Syscheck!.Path = $"/etc/file{i}"; a.FullLog = $"Integrity checksum changed for: '/etc/file{i}'";
            n.Write(a);
        }
        n.ProcessOnce();
        Assert.Equal(3, smtp.WaitFor(3).Count);
        Assert.Equal(7, n.Status.Held);
        Assert.Equal(7, Directory.GetFiles(Path.Combine(Queue, "held")).Length);
        _clock.Advance(TimeSpan.FromMinutes(30));  // same hour window (10:35)
        n.ProcessOnce();
        Thread.Sleep(300);
        Assert.Equal(3, smtp.Received.Count);
        _clock.Advance(TimeSpan.FromMinutes(30));  // 11:05: next window
        n.ProcessOnce();
        var all = smtp.WaitFor(4);
        Assert.Equal(4, all.Count);
        var digest = all[3];
        Assert.Contains("Digest of 7 alerts", digest.Subject);
        var body = Body(digest);
        for (int i = 3; i < 10; i++) Assert.Contains($"'/etc/file{i}'", body);
        Assert.Equal(7, body.Split('\n').Count(l => l.Contains("Rule 550 (level 7)")));
        Assert.Equal(0, n.Status.Held);
        Assert.Empty(Directory.GetFiles(Path.Combine(Queue, "held")));
        Assert.Equal(1, n.Status.Digests);
    }

    [Fact]
    public void Smtp_down_then_up_mail_stays_queued_and_goes_out_with_backoff()
    {
        var port = LoopbackSmtp.FreeTcpPort();
        using var n = Notifier(Settings(port));
        n.Write(GuideAlerts.Rule550());
        n.Flush(); // nobody listens
        Assert.Equal(1, n.Status.Queued);
        Assert.Equal(1, n.Status.Failed);
        Assert.NotNull(n.Status.LastError);
        using var smtp = new LoopbackSmtp(port);
        n.ProcessOnce();  // still inside the backoff: no attempt
        Thread.Sleep(200);
        Assert.Empty(smtp.Received);
        _clock.Advance(TimeSpan.FromSeconds(6));
        n.ProcessOnce();
        var m = Assert.Single(smtp.WaitFor(1));
        Assert.Contains("Rule: 550 fired", Body(m));
        Assert.Equal(0, n.Status.Queued);
        Assert.Equal(1, n.Status.Sent);
    }

    [Fact]
    public void A_message_the_server_refuses_permanently_is_kept_aside_and_the_mail_behind_it_still_goes_out()
    {
        using var smtp = new LoopbackSmtp();
        smtp.Reject = m => Body(m).Contains("/etc/poison");
        var s = Settings(smtp.Port);
        s.Granular.Add(new EmailAlertOptions { EmailTo = { "each@example.com" }, DoNotGroup = true, DoNotDelay = true });
        s.To.Clear();
        using var n = Notifier(s);
        var poison = GuideAlerts.Rule550(); poison.Syscheck!.Path = "/etc/poison"; poison.FullLog = "Integrity checksum changed for: '/etc/poison'";
        n.Write(poison);
        n.Write(GuideAlerts.Rule550(GuideAlerts.Jan30.AddSeconds(1)));
        n.Flush();
        var got = Assert.Single(smtp.WaitFor(1));
        Assert.DoesNotContain("/etc/poison", Body(got));
        Assert.Equal(0, n.Status.Queued);
        Assert.Single(Directory.GetFiles(Path.Combine(Queue, "out", "rejected")));
        Assert.Equal(1, n.Status.Failed);
    }

    [Fact]
    public void A_restart_loses_no_queued_pending_or_held_mail()
    {
        var port = LoopbackSmtp.FreeTcpPort();
        var s = Settings(port); s.MaxPerHour = 1;
        using (var n = Notifier(s))
        {
            n.Write(GuideAlerts.Rule550());
            _clock.Advance(TimeSpan.FromSeconds(11));
            n.ProcessOnce();              // composed into out/, sending fails (server down)
            n.Write(GuideAlerts.Rule553()); // pending (not due yet)
            Assert.Equal(1, n.Status.Queued);
            Assert.Equal(1, n.Status.Pending);
        } // "crash": no Flush
        using var smtp = new LoopbackSmtp(port);
        using (var n2 = Notifier(s))
        {
            Assert.Equal(1, n2.Status.Queued);
            Assert.Equal(1, n2.Status.Pending);
            _clock.Advance(TimeSpan.FromSeconds(11));
            n2.ProcessOnce(); // sends the queued 550; 553 is over the hourly cap (1) → held
            Assert.Single(smtp.WaitFor(1));
            Assert.Equal(1, n2.Status.Held);
        }
        using (var n3 = Notifier(s))
        {
            Assert.Equal(1, n3.Status.Held);
            _clock.Advance(TimeSpan.FromHours(1));
            n3.ProcessOnce();
            var all = smtp.WaitFor(2);
            Assert.Equal(2, all.Count);
            Assert.Contains("Rule: 553 fired", Body(all[1]));
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(Queue, "out")));
        Assert.Empty(Directory.GetFiles(Path.Combine(Queue, "pending")));
        Assert.Empty(Directory.GetFiles(Path.Combine(Queue, "held")));
    }

    [Fact]
    public void Cr_lf_in_alert_content_cannot_inject_headers()
    {
        using var smtp = new LoopbackSmtp();
        using var n = Notifier(Settings(smtp.Port));
        var a = GuideAlerts.Rule2902();
        a.Host = "deft\r\nBcc: victim@evil.example\r\nX-Injected: yes";
        a.Description = "x\r\n\r\nBcc: other@evil.example";
        a.FullLog = "line\r\nBcc: third@evil.example\r\n.\r\nMAIL FROM:<x@evil.example>";
        n.Write(a);
        n.Flush();
        var m = Assert.Single(smtp.WaitFor(1));
        Assert.Empty(m.Bcc);
        Assert.Null(m.Headers["X-Injected"]);
        Assert.DoesNotContain('\n', m.Subject ?? "");
        Assert.DoesNotContain('\r', m.Subject ?? "");
        var env = Assert.Single(smtp.Envelopes);
        Assert.Equal(new[] { "admin@example.com" }, env);
        Assert.Contains("MAIL FROM:<x@evil.example>", Body(m)); // the body is body
    }

    [Fact]
    public void The_background_loop_sends_by_itself()
    {
        using var smtp = new LoopbackSmtp();
        var s = Settings(smtp.Port); s.GroupDelay = TimeSpan.FromMilliseconds(200);
        using var n = new MailNotifier(s, Queue, NullLog.Instance, TimeProvider.System, background: true);
        n.Write(GuideAlerts.Rule554());
        var m = Assert.Single(smtp.WaitFor(1));
        Assert.Contains("Rule: 554 fired (level 7) -> \"File added to the system.\"", Body(m));
    }

    [Fact]
    public void Dispatcher_sends_mail_from_the_configuration_and_marks_mailed_alerts_in_alerts_log()
    {
        using var smtp = new LoopbackSmtp();
        var paths = new InstancePaths(_dir.Combine("inst"));
        var c = new HidsConfiguration();
        c.Global.EmailNotification = true; c.Global.EmailTo.Add("admin@example.com"); c.Global.EmailFrom = "hids@deft.example";
        c.Global.SmtpServer = "127.0.0.1"; c.Global.SmtpPort = smtp.Port; c.Global.AlertRetentionDays = 0;
        using (var d = AlertOutputs.Create(paths, c, NullLog.Instance, _clock, background: false))
        {
            d.Write(GuideAlerts.Rule550());
            d.Write(GuideAlerts.Rule502());
            d.Flush();
            Assert.Equal(1, d.Status.MailsSent);
        }
        var m = Assert.Single(smtp.WaitFor(1));
        Assert.Contains("Rule: 550 fired", Body(m));
        var log = File.ReadAllText(paths.AlertsLog);
        Assert.Contains(": mail  - ossec,syscheck,\n", log);
        Assert.Contains(": - ossec,\n", log);
    }

    [Fact]
    public void Send_test_reports_the_smtp_dialogue()
    {
        using var smtp = new LoopbackSmtp();
        var s = new SmtpSettings { Server = "127.0.0.1", Port = smtp.Port, From = "hids@deft.example", TimeoutMs = 5000 };
        var msg = new MimeMessage();
        msg.From.Add(MailboxAddress.Parse(s.From)); msg.To.Add(MailboxAddress.Parse("admin@example.com"));
        msg.Subject = "test"; msg.Body = new TextPart("plain") { Text = "hello" };
        var ok = SmtpSender.SendTest(s, msg);
        Assert.True(ok.Success, ok.Error);
        Assert.False(string.IsNullOrEmpty(ok.Response));
        Assert.Single(smtp.WaitFor(1));
        smtp.Stop();
        var bad = SmtpSender.SendTest(s, msg);
        Assert.False(bad.Success);
        Assert.Contains("127.0.0.1", bad.Error);
    }

    [Fact]
    public void Smtp_authentication_reads_the_password_file()
    {
        using var smtp = new LoopbackSmtp(requireAuth: ("hids", "s3cret pass"));
        var pwFile = _dir.Combine("smtp.pw");
        File.WriteAllText(pwFile, "s3cret pass\n");
        File.SetUnixFileMode(pwFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var s = Settings(smtp.Port);
        s.Smtp.User = "hids"; s.Smtp.PasswordFile = pwFile;
        using (var n = Notifier(s))
        {
            n.Write(GuideAlerts.Rule550());
            n.Flush();
            Assert.Single(smtp.WaitFor(1));
        }
        File.WriteAllText(pwFile, "wrong");
        using (var n = Notifier(s))
        {
            n.Write(GuideAlerts.Rule553());
            n.Flush();
            Assert.Equal(1, n.Status.Queued);          // kept for the next attempt
            Assert.Contains("uthentica", n.Status.LastError);
            Assert.Single(smtp.Received);
        }
        // Without credentials the server refuses the mail: the test result says so.
        var msg = new MimeMessage();
        msg.From.Add(MailboxAddress.Parse("hids@deft.example")); msg.To.Add(MailboxAddress.Parse("admin@example.com"));
        msg.Subject = "t"; msg.Body = new TextPart("plain") { Text = "x" };
        var r = SmtpSender.SendTest(new SmtpSettings { Server = "127.0.0.1", Port = smtp.Port, From = "hids@deft.example", TimeoutMs = 5000 }, msg);
        Assert.False(r.Success);
        Assert.Contains("AUTH", r.Capabilities);
        Assert.NotNull(r.Error);
    }
}
