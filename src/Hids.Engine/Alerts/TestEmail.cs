using Hids.Engine.Configuration;
using MimeKit;

namespace Hids.Engine.Alerts;

/// <summary>What Send-HidsTestEmail (or any host) asks for: every value overrides the instance's configuration when set.</summary>
public sealed class TestEmailRequest
{
    public string[]? To { get; set; }
    public string? SmtpServer { get; set; }
    public int? Port { get; set; }
    public string? From { get; set; }
    public string? Security { get; set; }
    public string? User { get; set; }
    public string? Password { get; set; }
    public string? CaFile { get; set; }
    public string? CertificateFingerprint { get; set; }
    public int TimeoutSeconds { get; set; } = 20;
    /// <summary>The instance folder named in the message body.</summary>
    public string? InstanceRoot { get; set; }
    /// <summary>This machine's name (subject, body, default sender).</summary>
    public string HostName { get; set; } = Environment.MachineName;
}

/// <summary>Why a test mail cannot even be attempted.</summary>
public enum TestEmailProblem { None, NoSmtpServer, NoRecipient, InvalidAddress }

/// <summary>A ready test mail: the resolved SMTP settings, the recipients and the message, or the reason there is none.</summary>
public sealed class TestEmailPlan
{
    public SmtpSettings Smtp { get; init; } = new();
    public string[] To { get; init; } = Array.Empty<string>();
    public MimeMessage? Message { get; init; }
    public TestEmailProblem Problem { get; init; }
    public string? ProblemMessage { get; init; }
    public string? ProblemHint { get; init; }
    /// <summary>"a@example.com via mail.example.com:587" (the ShouldProcess target).</summary>
    public string Target => $"{string.Join(", ", To)} via {Smtp.Server}:{Smtp.Port}";
}

/// <summary>The test message of Send-HidsTestEmail: settings resolution, composition and sending live here; the cmdlet is a shell.</summary>
public static class TestEmail
{
    /// <summary>Resolves settings (configuration, then the request's overrides) and composes the message.</summary>
    public static TestEmailPlan Prepare(HidsConfiguration config, TestEmailRequest r, DateTimeOffset? now = null)
    {
        var smtp = SmtpSettings.FromGlobal(config.Global);
        if (!string.IsNullOrEmpty(r.SmtpServer)) smtp.Server = r.SmtpServer.Trim();
        if (r.Port is > 0) smtp.Port = r.Port.Value;
        if (!string.IsNullOrEmpty(r.From)) smtp.From = r.From.Trim();
        if (!string.IsNullOrEmpty(r.Security)) smtp.Security = r.Security.Trim().ToLowerInvariant();
        if (r.User is not null) { smtp.User = r.User; smtp.Password = r.Password ?? ""; }
        if (!string.IsNullOrEmpty(r.CaFile)) smtp.CaFile = r.CaFile;
        if (!string.IsNullOrEmpty(r.CertificateFingerprint)) smtp.CertificateFingerprint = r.CertificateFingerprint;
        smtp.TimeoutMs = Math.Max(1, r.TimeoutSeconds) * 1000;
        var to = r.To is { Length: > 0 } ? r.To : config.Global.EmailTo.Where(t => !string.IsNullOrWhiteSpace(t)).ToArray();
        if (string.IsNullOrWhiteSpace(smtp.Server))
            return new TestEmailPlan { Smtp = smtp, To = to, Problem = TestEmailProblem.NoSmtpServer,
                ProblemMessage = "No SMTP server: <smtp_server> is not set in <global>.", ProblemHint = "Set it with Set-HidsEmail -SmtpServer, or pass -SmtpServer." };
        if (to.Length == 0)
            return new TestEmailPlan { Smtp = smtp, To = to, Problem = TestEmailProblem.NoRecipient,
                ProblemMessage = "No recipient: <email_to> is not set in <global>.", ProblemHint = "Set it with Set-HidsEmail -To, or pass -To." };
        if (string.IsNullOrWhiteSpace(smtp.From)) smtp.From = "hids@" + System.Net.Dns.GetHostName();
        try
        {
            return new TestEmailPlan { Smtp = smtp, To = to, Message = Compose(smtp, to, r.InstanceRoot, r.HostName, now ?? DateTimeOffset.Now) };
        }
        catch (ParseException ex)
        {
            return new TestEmailPlan { Smtp = smtp, To = to, Problem = TestEmailProblem.InvalidAddress,
                ProblemMessage = $"Invalid address: {ex.Message}", ProblemHint = "Write addresses as user@example.com." };
        }
    }

    /// <summary>The test message: "Hids test message - host", a body naming the instance and the transport. Throws <see cref="ParseException"/> on a bad address.</summary>
    public static MimeMessage Compose(SmtpSettings smtp, IReadOnlyList<string> to, string? instanceRoot, string host, DateTimeOffset now)
    {
        var msg = new MimeMessage();
        msg.From.Add(MailboxAddress.Parse(AlertText.SanitizeHeader(smtp.From, 320)));
        foreach (var t in to) msg.To.Add(MailboxAddress.Parse(AlertText.SanitizeHeader(t, 320)));
        msg.Subject = AlertText.SanitizeHeader($"{AlertText.ProductName} test message - {host}", 250);
        msg.Date = now;
        msg.Headers.Add("X-Hids", "test");
        var instance = string.IsNullOrEmpty(instanceRoot) ? "" : $" (instance {instanceRoot})";
        msg.Body = new TextPart("plain")
        {
            Text = $"{AlertText.ProductName} test message.\n{AlertText.OssecDate(now)}\n\n" +
                   $"Sent by Send-HidsTestEmail from {host}{instance} through {smtp.Server}:{smtp.Port} ({smtp.Security}).\n" +
                   "If you can read this, the instance's e-mail notifications can reach you.\n\n --END OF NOTIFICATION\n",
        };
        return msg;
    }

    /// <summary>Sends the plan's message and reports the dialogue (never throws for SMTP trouble).</summary>
    public static SmtpTestResult Send(TestEmailPlan plan, CancellationToken ct = default)
    {
        if (plan.Message is null) throw new InvalidOperationException(plan.ProblemMessage ?? "nothing to send");
        return SmtpSender.SendTest(plan.Smtp, plan.Message, ct);
    }

    /// <summary>What to do about a failed test, by the step that failed.</summary>
    public static string RecommendedAction(SmtpTestResult r) => r.FailureKind switch
    {
        nameof(SmtpFailure.Certificate) => "Trust the server's CA with <smtp_ca_file> (Set-HidsEmail -SmtpCaFile) or pin its certificate with <smtp_cert_fingerprint> (Set-HidsEmail -SmtpCertificateFingerprint " + (r.CertificateSha256 ?? "<sha256>") + ") after checking it out of band.",
        nameof(SmtpFailure.StartTlsUnavailable) => "Use the server's submission port (587) or its TLS port (465, -Security tls), or enable STARTTLS on the server.",
        nameof(SmtpFailure.Tls) => "Check the port and -Security: tls is TLS from the first byte (465), starttls upgrades a plain connection (587/25).",
        nameof(SmtpFailure.Authentication) => "Check smtp_user and the password in smtp_password_file (one line, mode 0600), or pass -Credential.",
        nameof(SmtpFailure.Configuration) => "Fix the file named in the error.",
        nameof(SmtpFailure.Connect) => "Check smtp_server and the port, and that the server accepts connections from this host.",
        _ => "Check smtp_server, the port and security settings, and that the server accepts mail from this host.",
    };
}
