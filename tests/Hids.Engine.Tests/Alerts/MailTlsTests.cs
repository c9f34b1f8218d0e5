using System.Security.Cryptography.X509Certificates;
using Hids.Engine.Alerts;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using MimeKit;

namespace Hids.Engine.Tests.Alerts;

/// <summary>
/// STARTTLS, implicit TLS, certificate trust (private CA file, self-signed, pinned fingerprint) and SMTP AUTH against a
/// real SMTP server on 127.0.0.1 holding a certificate made at run time. Failures must leave the mail queued on disk.
/// </summary>
[Collection("alerts-mail")]
public sealed class MailTlsTests : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-mailtls");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 4, 10, 5, 0, TimeSpan.Zero));
    private string Queue => _dir.Combine("queue", "mail");

    public void Dispose() => _dir.Dispose();

    private static MailSettings Settings(int port, string security, string? caFile = null) => new()
    {
        Enabled = true,
        Smtp = new SmtpSettings { Server = "127.0.0.1", Port = port, Security = security, CaFile = caFile, From = "hids@deft.example", TimeoutMs = 10000 },
        To = new List<string> { "admin@example.com" },
        EmailAlertLevel = 7,
        MaxPerHour = 100,
        HostName = "deft",
    };

    private MailNotifier Notifier(MailSettings s) => new(s, Queue, NullLog.Instance, _clock, background: false);

    private int QueuedOnDisk => Directory.EnumerateFiles(Path.Combine(Queue, "out"), "*.eml").Count();

    private static MimeMessage TestMessage()
    {
        var msg = new MimeMessage();
        msg.From.Add(MailboxAddress.Parse("hids@deft.example")); msg.To.Add(MailboxAddress.Parse("admin@example.com"));
        msg.Subject = "tls test"; msg.Body = new TextPart("plain") { Text = "hello over tls" };
        return msg;
    }

    private string SecretFile(string name, string content)
    {
        var f = _dir.Combine(name);
        File.WriteAllText(f, content);
        File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return f;
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.53", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST.", true)]
    [InlineData("mail.example.com", false)]
    [InlineData("10.0.0.5", false)]
    [InlineData("localhost.example.com", false)]
    [InlineData("0.0.0.0", false)]
    public void A_password_goes_unencrypted_only_to_a_relay_on_this_machine(string server, bool mayAuthInClear)
        => Assert.Equal(mayAuthInClear, SmtpSender.IsLoopbackHost(server));

    [Fact]
    public void Starttls_with_a_private_ca_in_smtp_ca_file_delivers_over_an_encrypted_session()
    {
        using var ca = TestCertificates.CreateCa();
        using var cert = TestCertificates.IssueServer(ca);
        var caPem = TestCertificates.WritePem(_dir.Combine("ca.pem"), ca);
        using var smtp = new LoopbackSmtp(certificate: cert);
        using (var n = Notifier(Settings(smtp.Port, "starttls", caPem)))
        {
            Assert.True(n.Write(GuideAlerts.Rule550()));
            n.Flush();
            var m = Assert.Single(smtp.WaitFor(1));
            Assert.Contains("Rule: 550 fired (level 7)", m.TextBody);
            Assert.Null(n.Status.LastError);
            Assert.Equal(0, QueuedOnDisk);
        }
        var session = Assert.Single(smtp.Sessions);
        Assert.True(session.Secure, "the server saw a plain session");

        var r = SmtpSender.SendTest(Settings(smtp.Port, "starttls", caPem).Smtp, TestMessage());
        Assert.True(r.Success, r.Error);
        Assert.True(r.Encrypted);
        Assert.False(string.IsNullOrEmpty(r.TlsProtocol));
        Assert.Equal("smtp_ca_file", r.CertificateTrust);
        Assert.Equal(TestCertificates.Sha256(cert), r.CertificateSha256);
        Assert.Contains("CN=127.0.0.1", r.CertificateSubject);
        Assert.Contains("Hids Test Root CA", r.CertificateIssuer);
        Assert.Null(r.CertificateError);
        Assert.Contains("STARTTLS", r.Capabilities, StringComparison.OrdinalIgnoreCase);
        Assert.All(smtp.Sessions, s => Assert.True(s.Secure));
    }

    [Fact]
    public void Implicit_tls_with_a_self_signed_server_certificate_in_smtp_ca_file_works()
    {
        using var cert = TestCertificates.SelfSigned();
        var pem = TestCertificates.WritePem(_dir.Combine("server.pem"), cert);
        using var smtp = new LoopbackSmtp(certificate: cert, implicitTls: true);
        using (var n = Notifier(Settings(smtp.Port, "tls", pem)))
        {
            n.Write(GuideAlerts.Rule553());
            n.Flush();
            var m = Assert.Single(smtp.WaitFor(1));
            Assert.Contains("Rule: 553 fired", m.TextBody);
            Assert.Null(n.Status.LastError);
        }
        Assert.True(Assert.Single(smtp.Sessions).Secure);
        var r = SmtpSender.SendTest(Settings(smtp.Port, "tls", pem).Smtp, TestMessage());
        Assert.True(r.Success, r.Error);
        Assert.True(r.Encrypted);
        Assert.Equal("smtp_ca_file", r.CertificateTrust);
        // no STARTTLS on a port that is TLS from the first byte
        Assert.DoesNotContain("StartTLS", r.Capabilities ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_pinned_fingerprint_trusts_exactly_that_certificate()
    {
        using var cert = TestCertificates.SelfSigned();
        using var other = TestCertificates.SelfSigned();
        using var smtp = new LoopbackSmtp(certificate: cert);
        var s = Settings(smtp.Port, "starttls").Smtp;
        s.CertificateFingerprint = TestCertificates.Sha256WithColons(cert).ToLowerInvariant();
        var ok = SmtpSender.SendTest(s, TestMessage());
        Assert.True(ok.Success, ok.Error);
        Assert.Equal("pinned", ok.CertificateTrust);

        s.CertificateFingerprint = TestCertificates.Sha256(other);
        var bad = SmtpSender.SendTest(s, TestMessage());
        Assert.False(bad.Success);
        Assert.Equal(nameof(SmtpFailure.Certificate), bad.FailureKind);
        Assert.Contains("not the pinned", bad.Error);
        Assert.Contains(TestCertificates.Sha256(cert), bad.Error);
        Assert.Single(smtp.Received);
    }

    [Fact]
    public void A_pinned_certificate_outside_its_validity_is_refused()
    {
        using var expired = TestCertificates.SelfSigned(notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        using (var smtp = new LoopbackSmtp(certificate: expired))
        {
            var s = Settings(smtp.Port, "starttls").Smtp;
            s.CertificateFingerprint = TestCertificates.Sha256(expired);
            var r = SmtpSender.SendTest(s, TestMessage());
            Assert.False(r.Success);
            Assert.Equal(nameof(SmtpFailure.Certificate), r.FailureKind);
            Assert.Contains("pinned certificate but it expired", r.Error);
            Assert.Empty(smtp.Received);
        }
        using var future = TestCertificates.SelfSigned(notBefore: DateTimeOffset.UtcNow.AddDays(2), notAfter: DateTimeOffset.UtcNow.AddDays(90));
        using (var smtp = new LoopbackSmtp(certificate: future))
        {
            var s = Settings(smtp.Port, "starttls").Smtp;
            s.CertificateFingerprint = TestCertificates.Sha256(future);
            var r = SmtpSender.SendTest(s, TestMessage());
            Assert.False(r.Success);
            Assert.Contains("not valid before", r.Error);
            Assert.Empty(smtp.Received);
        }
    }

    [Fact]
    public void An_untrusted_certificate_fails_clearly_and_the_mail_stays_queued_until_it_is_trusted()
    {
        using var ca = TestCertificates.CreateCa();
        using var strangerCa = TestCertificates.CreateCa("Some Other CA");
        using var cert = TestCertificates.IssueServer(ca);
        using var smtp = new LoopbackSmtp(certificate: cert);

        // 1. no smtp_ca_file: the system store does not know the test CA
        using (var n = Notifier(Settings(smtp.Port, "starttls")))
        {
            n.Write(GuideAlerts.Rule550());
            n.Flush();
            Assert.Equal(1, n.Status.Queued);
            Assert.Equal(1, QueuedOnDisk);
            var err = n.Status.LastError;
            Assert.NotNull(err);
            Assert.Contains("certificate", err);
            Assert.Contains("not trusted", err);
            Assert.Contains("smtp_ca_file", err);
            Assert.Contains(TestCertificates.Sha256(cert), err);
        }
        Assert.Empty(smtp.Received);

        // 2. a CA file with another CA: still refused, the queue is kept
        var wrongPem = TestCertificates.WritePem(_dir.Combine("other-ca.pem"), strangerCa);
        var r = SmtpSender.SendTest(Settings(smtp.Port, "starttls", wrongPem).Smtp, TestMessage());
        Assert.False(r.Success);
        Assert.Equal(nameof(SmtpFailure.Certificate), r.FailureKind);
        Assert.Contains("does not chain to a CA of smtp_ca_file", r.CertificateError);
        Assert.Equal(TestCertificates.Sha256(cert), r.CertificateSha256);
        Assert.Null(r.CertificateTrust);
        using (var n = Notifier(Settings(smtp.Port, "starttls", wrongPem)))
        {
            n.Flush();
            Assert.Equal(1, QueuedOnDisk);
        }
        Assert.Empty(smtp.Received);

        // 3. the admin adds the right CA and restarts: the queued mail goes out
        var caPem = TestCertificates.WritePem(_dir.Combine("ca.pem"), ca);
        using (var n = Notifier(Settings(smtp.Port, "starttls", caPem)))
        {
            n.Flush();
            var m = Assert.Single(smtp.WaitFor(1));
            Assert.Contains("Rule: 550 fired", m.TextBody);
            Assert.Equal(0, QueuedOnDisk);
        }
        Assert.True(Assert.Single(smtp.Sessions).Secure);
    }

    [Fact]
    public void A_trusted_ca_does_not_make_a_certificate_for_another_name_acceptable()
    {
        using var ca = TestCertificates.CreateCa();
        using var cert = TestCertificates.IssueServer(ca, "mail.other.example", new[] { "mail.other.example" }, Array.Empty<System.Net.IPAddress>());
        var caPem = TestCertificates.WritePem(_dir.Combine("ca.pem"), ca);
        using var smtp = new LoopbackSmtp(certificate: cert);
        var r = SmtpSender.SendTest(Settings(smtp.Port, "starttls", caPem).Smtp, TestMessage());
        Assert.False(r.Success);
        Assert.Equal(nameof(SmtpFailure.Certificate), r.FailureKind);
        Assert.Contains("not issued for '127.0.0.1'", r.Error);
        Assert.Contains("mail.other.example", r.Error);
        Assert.Empty(smtp.Received);
    }

    [Fact]
    public void Starttls_required_but_not_offered_is_a_clear_error_and_nothing_goes_in_clear_text()
    {
        using var smtp = new LoopbackSmtp(); // no certificate: no STARTTLS in EHLO
        using (var n = Notifier(Settings(smtp.Port, "starttls")))
        {
            n.Write(GuideAlerts.Rule550());
            n.Flush();
            Assert.Equal(1, n.Status.Queued);
            Assert.Contains("does not offer STARTTLS", n.Status.LastError);
        }
        Assert.Equal(1, QueuedOnDisk);
        Assert.Empty(smtp.Received);
        var r = SmtpSender.SendTest(Settings(smtp.Port, "starttls").Smtp, TestMessage());
        Assert.False(r.Success);
        Assert.Equal(nameof(SmtpFailure.StartTlsUnavailable), r.FailureKind);
        Assert.False(r.Encrypted);
        Assert.Empty(smtp.Received);
    }

    [Fact]
    public void Implicit_tls_against_a_plain_server_fails_without_sending()
    {
        using var smtp = new LoopbackSmtp();
        var s = Settings(smtp.Port, "tls").Smtp;
        s.TimeoutMs = 5000;
        var r = SmtpSender.SendTest(s, TestMessage());
        Assert.False(r.Success);
        Assert.NotNull(r.Error);
        Assert.Contains("127.0.0.1:" + smtp.Port, r.Error);
        Assert.Empty(smtp.Received);
    }

    [Fact]
    public void Auth_over_starttls_delivers_wrong_credentials_keep_the_mail_queued_until_fixed()
    {
        using var ca = TestCertificates.CreateCa();
        using var cert = TestCertificates.IssueServer(ca);
        var caPem = TestCertificates.WritePem(_dir.Combine("ca.pem"), ca);
        using var smtp = new LoopbackSmtp(requireAuth: ("hids", "c0rrect horse"), certificate: cert);
        var pw = SecretFile("smtp.pw", "c0rrect horse\n");
        var s = Settings(smtp.Port, "starttls", caPem);
        s.Smtp.User = "hids"; s.Smtp.PasswordFile = pw;

        var probe = SmtpSender.SendTest(s.Smtp, TestMessage());
        Assert.True(probe.Success, probe.Error);
        Assert.True(probe.Authenticated);
        Assert.True(probe.Encrypted);
        Assert.Contains("PLAIN", probe.Capabilities);
        Assert.Contains("LOGIN", probe.Capabilities);
        Assert.Equal((true, "hids"), Assert.Single(smtp.Sessions));

        // wrong password: "Authentication failed", the alert mail stays queued on disk
        File.WriteAllText(pw, "wrong\n");
        using (var n = Notifier(s))
        {
            n.Write(GuideAlerts.Rule2902());
            n.Flush();
            Assert.Equal(1, n.Status.Queued);
            Assert.StartsWith("Authentication failed for user 'hids'", n.Status.LastError);
        }
        Assert.Equal(1, QueuedOnDisk);
        Assert.True(smtp.FailedLogins >= 1);
        Assert.Single(smtp.Received);
        var bad = SmtpSender.SendTest(s.Smtp, TestMessage());
        Assert.Equal(nameof(SmtpFailure.Authentication), bad.FailureKind);
        Assert.StartsWith("Authentication failed", bad.Error);

        // the admin fixes the password and the monitor restarts: the queued mail is delivered
        File.WriteAllText(pw, "c0rrect horse\n");
        using (var n = Notifier(s))
        {
            n.Flush();
            Assert.Null(n.Status.LastError);
        }
        var all = smtp.WaitFor(2);
        Assert.Equal(2, all.Count);
        Assert.Contains("Rule: 2902 fired", all[1].TextBody);
        Assert.All(smtp.Sessions, x => Assert.Equal((true, "hids"), x));
        Assert.Equal(0, QueuedOnDisk);
    }

    [Fact]
    public void Auth_offered_only_over_tls_is_explained_when_security_is_none()
    {
        using var cert = TestCertificates.SelfSigned();
        using var smtp = new LoopbackSmtp(requireAuth: ("hids", "pw"), certificate: cert);
        var s = Settings(smtp.Port, "none").Smtp;
        s.User = "hids"; s.Password = "pw";
        var r = SmtpSender.SendTest(s, TestMessage());
        Assert.False(r.Success);
        Assert.Equal(nameof(SmtpFailure.Authentication), r.FailureKind);
        Assert.Contains("smtp_security", r.Error);
        Assert.Empty(smtp.Received);
    }

    [Fact]
    public void A_password_file_others_can_read_is_refused_and_the_mail_stays_queued()
    {
        using var smtp = new LoopbackSmtp(requireAuth: ("hids", "pw"));
        var pw = SecretFile("smtp.pw", "pw\n");
        File.SetUnixFileMode(pw, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var s = Settings(smtp.Port, "none");
        s.Smtp.User = "hids"; s.Smtp.PasswordFile = pw;
        using (var n = Notifier(s))
        {
            n.Write(GuideAlerts.Rule550());
            n.Flush();
            Assert.Equal(1, n.Status.Queued);
            Assert.Contains("readable or writable by other users (mode 0644)", n.Status.LastError);
            Assert.Contains("chmod 600", n.Status.LastError);
        }
        Assert.Equal(0, smtp.FailedLogins); // the password never left the machine
        Assert.Empty(smtp.Received);

        // group-readable (root:hids 0640) is fine
        File.SetUnixFileMode(pw, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        using (var n = Notifier(s)) n.Flush();
        Assert.Single(smtp.WaitFor(1));

        var missing = new SmtpSettings { Server = "127.0.0.1", Port = smtp.Port, User = "hids", PasswordFile = _dir.Combine("nope.pw"), TimeoutMs = 5000, From = "hids@deft.example" };
        var r = SmtpSender.SendTest(missing, TestMessage());
        Assert.Equal(nameof(SmtpFailure.Configuration), r.FailureKind);
        Assert.Contains("does not exist", r.Error);
    }

    [Fact]
    public void Configuration_knows_the_tls_options_and_checks_them()
    {
        using var ca = TestCertificates.CreateCa();
        var caPem = TestCertificates.WritePem(_dir.Combine("ca.pem"), ca);
        var pw = SecretFile("smtp.pw", "x\n");
        var fp = TestCertificates.Sha256WithColons(ca);
        var conf = $"""
            <ossec_config>
              <global>
                <email_notification>yes</email_notification>
                <email_to>admin@example.com</email_to>
                <smtp_server>127.0.0.1</smtp_server>
              </global>
              <hids>
                <smtp_port>587</smtp_port>
                <smtp_security>starttls</smtp_security>
                <smtp_user>hids</smtp_user>
                <smtp_password_file>{pw}</smtp_password_file>
                <smtp_ca_file>{caPem}</smtp_ca_file>
                <smtp_cert_fingerprint>{fp}</smtp_cert_fingerprint>
              </hids>
              <email_alerts>
                <email_to>pager@sms.example</email_to>
                <format>sms</format>
              </email_alerts>
            </ossec_config>
            """;
        var r = ConfigurationLoader.LoadText(conf, "/etc/ossec.conf");
        Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics.Select(d => d.ToString())));
        Assert.DoesNotContain(r.Diagnostics, d => d.Code == ConfigCodes.ReferencedFile);
        var g = r.Configuration.Global;
        Assert.Equal(caPem, g.SmtpCaFile);
        Assert.Equal(fp, g.SmtpCertFingerprint);
        Assert.True(Assert.Single(r.Configuration.EmailAlerts).IsSms);
        var smtp = SmtpSettings.FromGlobal(g);
        Assert.Equal(caPem, smtp.CaFile);
        Assert.Equal("starttls", smtp.Security);

        // the tolerant reader of Send-HidsTestEmail sees the same
        var confFile = _dir.Combine("ossec.conf");
        File.WriteAllText(confFile, conf);
        var tolerant = MailConfigReader.Read(confFile);
        Assert.Equal(caPem, tolerant.Global.SmtpCaFile);
        Assert.Equal(fp, tolerant.Global.SmtpCertFingerprint);
        Assert.True(tolerant.EmailAlerts.Single().IsSms);

        // mistakes: file:line:column with a hint
        File.SetUnixFileMode(pw, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var notPem = _dir.Combine("notpem.txt");
        File.WriteAllText(notPem, "hello");
        var badConf = "<ossec_config>\n  <hids>\n    <smtp_cert_fingerprint>12:34</smtp_cert_fingerprint>\n" +
                      $"    <smtp_ca_file>{_dir.Combine("missing.pem")}</smtp_ca_file>\n" +
                      $"    <smtp_ca_file>{notPem}</smtp_ca_file>\n" +
                      $"    <smtp_password_file>{pw}</smtp_password_file>\n" +
                      "    <smtp_ca_file>relative/ca.pem</smtp_ca_file>\n  </hids>\n</ossec_config>\n";
        var bad = ConfigurationLoader.LoadText(badConf, "/etc/ossec.conf");
        var fpErr = Assert.Single(bad.Diagnostics, d => d.Code == ConfigCodes.InvalidFingerprint);
        Assert.Equal(DiagnosticSeverity.Error, fpErr.Severity);
        Assert.Equal(3, fpErr.Line);
        Assert.Contains("openssl x509", fpErr.Hint);
        var fileWarnings = bad.Diagnostics.Where(d => d.Code == ConfigCodes.ReferencedFile).ToList();
        Assert.Equal(3, fileWarnings.Count);
        Assert.All(fileWarnings, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        Assert.Contains(fileWarnings, d => d.Line == 4 && d.Message.Contains("does not exist"));
        Assert.Contains(fileWarnings, d => d.Line == 5 && d.Message.Contains("no PEM certificate"));
        Assert.Contains(fileWarnings, d => d.Line == 6 && d.Message.Contains("other users") && d.Hint!.Contains("chmod 600"));
        Assert.Contains(bad.Diagnostics, d => d.Code == ConfigCodes.RelativePath && d.Line == 7);
    }
}
