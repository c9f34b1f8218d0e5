using System.Diagnostics;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Hids.Engine.Configuration;

namespace Hids.Engine.Alerts;

/// <summary>How to reach the SMTP server (from &lt;global&gt;; port/security/user are Hids extensions, off by default as in OSSEC).</summary>
public sealed class SmtpSettings
{
    public string Server { get; set; } = "";
    public int Port { get; set; } = 25;
    /// <summary>none | starttls | tls.</summary>
    public string Security { get; set; } = "none";
    public string? User { get; set; }
    public string? PasswordFile { get; set; }
    /// <summary>Used instead of the password file when set (Send-HidsTestEmail -Credential).</summary>
    public string? Password { get; set; }
    public string From { get; set; } = "";
    public int TimeoutMs { get; set; } = 20000;

    public static SmtpSettings FromGlobal(GlobalOptions g) => new()
    {
        // OSSEC's sample config writes the server with a trailing dot (mail.example.com.): a valid FQDN.
        Server = (g.SmtpServer ?? "").Trim(),
        Port = g.SmtpPort <= 0 ? 25 : g.SmtpPort,
        Security = string.IsNullOrWhiteSpace(g.SmtpSecurity) ? "none" : g.SmtpSecurity.Trim().ToLowerInvariant(),
        User = string.IsNullOrWhiteSpace(g.SmtpUser) ? null : g.SmtpUser.Trim(),
        PasswordFile = string.IsNullOrWhiteSpace(g.SmtpPasswordFile) ? null : g.SmtpPasswordFile.Trim(),
        From = (g.EmailFrom ?? "").Trim(),
    };

    internal SecureSocketOptions SocketOptions => Security switch
    {
        "starttls" => SecureSocketOptions.StartTls,
        "tls" or "ssl" => SecureSocketOptions.SslOnConnect,
        "auto" => SecureSocketOptions.Auto,
        _ => SecureSocketOptions.None,
    };

    internal string? ResolvePassword()
    {
        if (Password is not null) return Password;
        if (PasswordFile is null) return null;
        return File.ReadAllText(PasswordFile).TrimEnd('\r', '\n');
    }
}

/// <summary>The result of an SMTP exchange (Send-HidsTestEmail's output).</summary>
public sealed class SmtpTestResult
{
    public bool Success { get; set; }
    public string Server { get; set; } = "";
    public int Port { get; set; }
    public string Security { get; set; } = "none";
    public string From { get; set; } = "";
    public string[] To { get; set; } = Array.Empty<string>();
    /// <summary>The server's reply to the message (e.g. "2.0.0 Ok: queued as ..."), or null on failure.</summary>
    public string? Response { get; set; }
    /// <summary>What went wrong (connection refused, authentication failed, recipient rejected with the server's reply).</summary>
    public string? Error { get; set; }
    /// <summary>SMTP status code of the failure when the server gave one.</summary>
    public int? StatusCode { get; set; }
    /// <summary>Capabilities the server announced (EHLO), e.g. STARTTLS, AUTH.</summary>
    public string? Capabilities { get; set; }
    public double ElapsedMilliseconds { get; set; }
}

/// <summary>Sends MIME messages with MailKit; one connection per batch.</summary>
public static class SmtpSender
{
    /// <summary>
    /// Sends the messages in order over one connection. Returns how many were sent before a failure (which is thrown).
    /// A message the server refuses permanently (5xx: too large, recipient or policy rejected) is handed to
    /// <paramref name="onRejected"/> and the batch goes on, so one bad message never holds back the mail behind it.
    /// </summary>
    public static int SendBatch(SmtpSettings s, IEnumerable<(MimeMessage Message, Action OnSent)> messages, CancellationToken ct = default,
        Action<MimeMessage, string>? onRejected = null)
    {
        using var client = new SmtpClient { Timeout = s.TimeoutMs };
        client.Connect(s.Server.TrimEnd('.'), s.Port, s.SocketOptions, ct);
        Authenticate(client, s, ct);
        int sent = 0;
        foreach (var (m, onSent) in messages)
        {
            try { client.Send(m, ct); }
            catch (SmtpCommandException ex) when (onRejected is not null && (int)ex.StatusCode >= 500 && ex.ErrorCode != SmtpErrorCode.UnexpectedStatusCode)
            {
                onRejected(m, $"{(int)ex.StatusCode} {ex.Message}");
                if (!client.IsConnected) break;
                continue;
            }
            onSent();
            sent++;
        }
        client.Disconnect(true, ct);
        return sent;
    }

    private static void Authenticate(SmtpClient client, SmtpSettings s, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(s.User)) return;
        var password = s.ResolvePassword() ?? "";
        client.Authenticate(s.User, password, ct);
    }

    /// <summary>Sends one message and reports the dialogue's outcome without throwing.</summary>
    public static SmtpTestResult SendTest(SmtpSettings s, MimeMessage message, CancellationToken ct = default)
    {
        var result = new SmtpTestResult
        {
            Server = s.Server, Port = s.Port, Security = s.Security, From = s.From,
            To = message.To.Mailboxes.Select(m => m.Address).ToArray(),
        };
        var sw = Stopwatch.StartNew();
        try
        {
            using var client = new SmtpClient { Timeout = s.TimeoutMs };
            client.Connect(s.Server.TrimEnd('.'), s.Port, s.SocketOptions, ct);
            result.Capabilities = client.Capabilities.ToString()
                + (client.AuthenticationMechanisms.Count > 0 ? "; AUTH " + string.Join(" ", client.AuthenticationMechanisms) : "");
            Authenticate(client, s, ct);
            result.Response = client.Send(message, ct);
            client.Disconnect(true, ct);
            result.Success = true;
        }
        catch (SmtpCommandException ex)
        {
            result.StatusCode = (int)ex.StatusCode;
            result.Error = $"{ex.ErrorCode}: {(int)ex.StatusCode} {ex.Message}";
        }
        catch (SmtpProtocolException ex) { result.Error = "SMTP protocol error: " + ex.Message; }
        catch (AuthenticationException ex) { result.Error = "Authentication failed: " + ex.Message; }
        catch (System.Net.Sockets.SocketException ex) { result.Error = $"Cannot connect to {s.Server}:{s.Port}: {ex.Message}"; }
        catch (MailKit.ServiceNotAuthenticatedException ex) { result.Error = "The server requires authentication (set smtp_user and smtp_password_file, or -Credential): " + ex.Message; }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            result.Error = ex.Message;
        }
        result.ElapsedMilliseconds = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        return result;
    }
}
