using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Hids.Engine.Configuration;

namespace Hids.Engine.Alerts;

/// <summary>How to reach the SMTP server (from &lt;global&gt;; port/security/user/CA are Hids extensions, off by default as in OSSEC).</summary>
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
    /// <summary>A PEM file of CA (or server) certificates trusted in addition to the system store (&lt;smtp_ca_file&gt;).</summary>
    public string? CaFile { get; set; }
    /// <summary>The SHA-256 fingerprint the server's certificate must have (&lt;smtp_cert_fingerprint&gt;, hex, colons allowed).</summary>
    public string? CertificateFingerprint { get; set; }
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
        CaFile = string.IsNullOrWhiteSpace(g.SmtpCaFile) ? null : g.SmtpCaFile.Trim(),
        CertificateFingerprint = string.IsNullOrWhiteSpace(g.SmtpCertFingerprint) ? null : g.SmtpCertFingerprint.Trim(),
        From = (g.EmailFrom ?? "").Trim(),
    };

    internal SecureSocketOptions SocketOptions => Security switch
    {
        "starttls" => SecureSocketOptions.StartTls,
        "tls" or "ssl" => SecureSocketOptions.SslOnConnect,
        "auto" => SecureSocketOptions.Auto,
        _ => SecureSocketOptions.None,
    };

    /// <summary>"AB:CD:..." or "abcd..." → "ABCD..." (64 hex digits for SHA-256); null when it is not a SHA-256 fingerprint.</summary>
    public static string? NormalizeFingerprint(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var v = value.Trim();
        if (v.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)) v = v[7..];
        var hex = new string(v.Where(c => c is not (':' or ' ' or '-')).ToArray()).ToUpperInvariant();
        return hex.Length == 64 && hex.All(Uri.IsHexDigit) ? hex : null;
    }

    /// <summary>
    /// The password: <see cref="Password"/>, else the first line of <see cref="PasswordFile"/>. The file must not be
    /// readable or writable by others (as ssh treats private keys); a group may read it (root:hids 0640).
    /// </summary>
    internal string? ResolvePassword()
    {
        if (Password is not null) return Password;
        if (PasswordFile is null) return null;
        if (!File.Exists(PasswordFile))
            throw new SmtpDeliveryException(SmtpFailure.Configuration, $"smtp_password_file {PasswordFile} does not exist; the mail stays queued.");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(PasswordFile);
            const UnixFileMode loose = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.GroupWrite;
            if ((mode & loose) != 0)
                throw new SmtpDeliveryException(SmtpFailure.Configuration,
                    $"smtp_password_file {PasswordFile} is readable or writable by other users (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); refusing to use it. Run: chmod 600 {PasswordFile}");
        }
        string text;
        try { text = File.ReadAllText(PasswordFile); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SmtpDeliveryException(SmtpFailure.Configuration, $"cannot read smtp_password_file {PasswordFile}: {ex.Message}", ex);
        }
        var line = text.Split('\n')[0].TrimEnd('\r');
        if (line.Length == 0) throw new SmtpDeliveryException(SmtpFailure.Configuration, $"smtp_password_file {PasswordFile} is empty.");
        return line;
    }
}

/// <summary>What kind of step an SMTP exchange failed at.</summary>
public enum SmtpFailure { Connect, Tls, Certificate, StartTlsUnavailable, Authentication, Command, Protocol, Configuration, Other }

/// <summary>An SMTP exchange failed; the message says why in words an administrator can act on.</summary>
public sealed class SmtpDeliveryException : Exception
{
    public SmtpDeliveryException(SmtpFailure kind, string message, Exception? inner = null) : base(message, inner) { Kind = kind; }
    public SmtpFailure Kind { get; }
    public int? StatusCode { get; init; }
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
    /// <summary>What went wrong (connection refused, certificate not trusted, authentication failed, recipient rejected with the server's reply).</summary>
    public string? Error { get; set; }
    /// <summary>The step that failed: Connect, Tls, Certificate, StartTlsUnavailable, Authentication, Command, Protocol, Configuration, Other.</summary>
    public string? FailureKind { get; set; }
    /// <summary>SMTP status code of the failure when the server gave one.</summary>
    public int? StatusCode { get; set; }
    /// <summary>Capabilities the server announced (EHLO), e.g. STARTTLS, AUTH.</summary>
    public string? Capabilities { get; set; }
    /// <summary>True when the session was encrypted (STARTTLS or TLS from the start).</summary>
    public bool Encrypted { get; set; }
    public string? TlsProtocol { get; set; }
    public string? TlsCipherSuite { get; set; }
    /// <summary>The server certificate's subject, issuer, SHA-256 fingerprint and expiry (when TLS was attempted).</summary>
    public string? CertificateSubject { get; set; }
    public string? CertificateIssuer { get; set; }
    public string? CertificateSha256 { get; set; }
    public DateTimeOffset? CertificateNotAfter { get; set; }
    /// <summary>Why the certificate was trusted: system (the machine's CA store), smtp_ca_file, or pinned (smtp_cert_fingerprint).</summary>
    public string? CertificateTrust { get; set; }
    /// <summary>Why the certificate was refused, when it was.</summary>
    public string? CertificateError { get; set; }
    /// <summary>True when the client authenticated (AUTH) with smtp_user / -Credential.</summary>
    public bool Authenticated { get; set; }
    public double ElapsedMilliseconds { get; set; }
}

/// <summary>
/// Checks the server certificate: the system store first; then a pinned SHA-256 fingerprint (which alone decides when
/// set), or the chain against the CAs of smtp_ca_file. Never accepts a certificate blindly; remembers what it saw.
/// </summary>
internal sealed class ServerCertificateCheck
{
    private readonly SmtpSettings _s;
    public ServerCertificateCheck(SmtpSettings s) { _s = s; }

    public bool Called { get; private set; }
    public string? Subject { get; private set; }
    public string? Issuer { get; private set; }
    public string? Sha256 { get; private set; }
    public DateTimeOffset? NotAfter { get; private set; }
    public string? TrustedBy { get; private set; }
    public string? Problem { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        Called = true;
        TrustedBy = null; Problem = null;
        if (certificate is null) { Problem = "the server sent no certificate"; return false; }
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        Subject = leaf.Subject;
        Issuer = leaf.Issuer;
        Sha256 = leaf.GetCertHashString(HashAlgorithmName.SHA256);
        NotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);

        if (_s.CertificateFingerprint is not null)
        {
            var pin = SmtpSettings.NormalizeFingerprint(_s.CertificateFingerprint);
            if (pin is null) { Problem = $"<smtp_cert_fingerprint> '{_s.CertificateFingerprint}' is not a SHA-256 fingerprint (64 hex digits)"; return false; }
            if (string.Equals(pin, Sha256, StringComparison.Ordinal))
            {
                // A pin names the certificate, not a licence to use it forever: outside its validity it is refused
                // like any other (an expired key may have been retired, and leaked since).
                var now = DateTime.UtcNow;
                if (now > leaf.NotAfter.ToUniversalTime()) { Problem = $"it is the pinned certificate but it expired on {NotAfter:yyyy-MM-dd HH:mm} UTC; renew it and pin the new one"; return false; }
                if (now < leaf.NotBefore.ToUniversalTime()) { Problem = $"it is the pinned certificate but it is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC (check this machine's clock)"; return false; }
                TrustedBy = "pinned";
                return true;
            }
            Problem = $"its SHA-256 fingerprint {Sha256} is not the pinned <smtp_cert_fingerprint> {pin}";
            return false;
        }
        if (errors == SslPolicyErrors.None) { TrustedBy = "system"; return true; }
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) { Problem = "the server sent no certificate"; return false; }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            Problem = $"it is not issued for '{_s.Server.TrimEnd('.')}' (names: {Names(leaf)})";
            return false;
        }
        // chain errors only from here on
        var systemReason = ChainProblems(chain);
        if (_s.CaFile is null)
        {
            Problem = $"it is not trusted by this machine's CA store ({systemReason})";
            return false;
        }
        X509Certificate2Collection cas;
        try
        {
            cas = new X509Certificate2Collection();
            cas.ImportFromPemFile(_s.CaFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            Problem = $"it is not trusted by this machine's CA store ({systemReason}) and smtp_ca_file {_s.CaFile} cannot be read: {ex.Message}";
            return false;
        }
        if (cas.Count == 0)
        {
            Problem = $"it is not trusted by this machine's CA store ({systemReason}) and smtp_ca_file {_s.CaFile} holds no PEM certificate";
            return false;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // private CAs rarely publish revocation lists
        foreach (var c in cas)
        {
            if (c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)) custom.ChainPolicy.CustomTrustStore.Add(c);
            else custom.ChainPolicy.ExtraStore.Add(c); // an intermediate: a link, not an anchor
        }
        if (chain is not null)
            foreach (var e in chain.ChainElements)
                if (!ReferenceEquals(e.Certificate, leaf)) custom.ChainPolicy.ExtraStore.Add(e.Certificate);
        if (custom.Build(leaf)) { TrustedBy = "smtp_ca_file"; return true; }
        Problem = $"it does not chain to a CA of smtp_ca_file {_s.CaFile} ({ChainProblems(custom)}) nor to this machine's CA store ({systemReason})";
        return false;
    }

    private static string ChainProblems(X509Chain? chain)
    {
        if (chain is null) return "no chain";
        var list = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : s.StatusInformation.Trim())
            .Distinct().ToList();
        return list.Count == 0 ? "untrusted chain" : string.Join("; ", list);
    }

    private static string Names(X509Certificate2 c)
    {
        var names = new List<string>();
        foreach (var ext in c.Extensions)
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        var cn = c.GetNameInfo(X509NameType.SimpleName, false);
        if (names.Count == 0 && !string.IsNullOrEmpty(cn)) names.Add(cn);
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }
}

/// <summary>Sends MIME messages with MailKit; one connection per batch.</summary>
public static class SmtpSender
{
    /// <summary>
    /// Sends the messages in order over one connection. Returns how many were sent before a failure, which is thrown as
    /// an <see cref="SmtpDeliveryException"/> with a clear message (the unsent messages stay where they are).
    /// A message the server refuses permanently (5xx: too large, recipient or policy rejected) is handed to
    /// <paramref name="onRejected"/> and the batch goes on, so one bad message never holds back the mail behind it.
    /// </summary>
    public static int SendBatch(SmtpSettings s, IEnumerable<(MimeMessage Message, Action OnSent)> messages, CancellationToken ct = default,
        Action<MimeMessage, string>? onRejected = null)
    {
        var check = new ServerCertificateCheck(s);
        var stage = Stage.Connect;
        int sent = 0;
        try
        {
            using var client = NewClient(s, check);
            client.Connect(s.Server.TrimEnd('.'), s.Port, s.SocketOptions, ct);
            stage = Stage.Auth;
            Authenticate(client, s, ct);
            stage = Stage.Send;
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
        catch (Exception ex) when (ex is not (OutOfMemoryException or SmtpDeliveryException) && !(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw Explain(ex, s, check, stage);
        }
    }

    private enum Stage { Connect, Auth, Send }

    private static SmtpClient NewClient(SmtpSettings s, ServerCertificateCheck check)
    {
        var client = new SmtpClient { Timeout = s.TimeoutMs, CheckCertificateRevocation = false };
        client.ServerCertificateValidationCallback = check.Validate;
        return client;
    }

    private static void Authenticate(SmtpClient client, SmtpSettings s, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(s.User)) return;
        if (!client.IsSecure && !IsLoopbackHost(s.Server))
            throw new SmtpDeliveryException(SmtpFailure.Authentication,
                $"Refusing to send the password of '{s.User}' to {s.Server.TrimEnd('.')}:{s.Port} in clear text; nothing was sent. " +
                "Set smtp_security to starttls or tls (only a relay on this machine, 127.0.0.1 or localhost, gets AUTH without TLS).");
        var password = s.ResolvePassword() ?? "";
        client.Authenticate(s.User, password, ct);
    }

    /// <summary>True for a server on this machine (a loopback address or localhost): the only one that may receive a
    /// password over an unencrypted connection. A name that merely resolves to loopback does not count.</summary>
    public static bool IsLoopbackHost(string server)
    {
        var h = server.Trim().TrimEnd('.');
        if (h.StartsWith('[') && h.EndsWith(']')) h = h[1..^1];
        if (System.Net.IPAddress.TryParse(h, out var ip)) return System.Net.IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
        return h.Equals("localhost", StringComparison.OrdinalIgnoreCase) || h.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Turns what MailKit threw into a message naming the step, the server and what to do.</summary>
    private static SmtpDeliveryException Explain(Exception ex, SmtpSettings s, ServerCertificateCheck check, Stage stage)
    {
        var at = $"{s.Server.TrimEnd('.')}:{s.Port}";
        if (check.Problem is not null)
            return new SmtpDeliveryException(SmtpFailure.Certificate,
                $"TLS with {at} failed: the server's certificate ({check.Subject}, SHA-256 {check.Sha256}) was refused: {check.Problem}. " +
                "Trust its CA with <smtp_ca_file> (a PEM file), or pin it with <smtp_cert_fingerprint>.", ex);
        switch (ex)
        {
            case SmtpDeliveryException d: return d;
            case NotSupportedException when stage == Stage.Connect && s.SocketOptions == SecureSocketOptions.StartTls:
                return new SmtpDeliveryException(SmtpFailure.StartTlsUnavailable,
                    $"smtp_security is starttls but {at} does not offer STARTTLS; nothing was sent in clear text. " +
                    "Use the server's submission port (587) or its TLS port with smtp_security tls, or ask its administrator to enable STARTTLS.", ex);
            case NotSupportedException when stage == Stage.Auth:
                return new SmtpDeliveryException(SmtpFailure.Authentication,
                    $"Authentication failed: {at} offers no AUTH on this connection{(s.SocketOptions == SecureSocketOptions.None ? " (many servers offer it only over TLS: set smtp_security to starttls or tls)" : "")}.", ex);
            case MailKit.Security.AuthenticationException:
                return new SmtpDeliveryException(SmtpFailure.Authentication,
                    $"Authentication failed for user '{s.User}' at {at}: {ex.Message} Check smtp_user and smtp_password_file.", ex);
            case MailKit.ServiceNotAuthenticatedException:
                return new SmtpDeliveryException(SmtpFailure.Authentication,
                    $"{at} requires authentication: set smtp_user and smtp_password_file (or -Credential). ({ex.Message})", ex);
            case SslHandshakeException:
                return new SmtpDeliveryException(SmtpFailure.Tls,
                    $"TLS handshake with {at} failed{(s.SocketOptions == SecureSocketOptions.SslOnConnect ? " (smtp_security tls expects TLS from the first byte, usually port 465; for port 587/25 use starttls)" : "")}: {FirstLine(ex.Message)}", ex);
            case SmtpCommandException c:
                return new SmtpDeliveryException(SmtpFailure.Command, $"{c.ErrorCode}: {(int)c.StatusCode} {c.Message}", ex) { StatusCode = (int)c.StatusCode };
            case SmtpProtocolException:
                return new SmtpDeliveryException(SmtpFailure.Protocol, $"SMTP protocol error with {at}: {ex.Message}", ex);
            case System.Net.Sockets.SocketException:
                return new SmtpDeliveryException(SmtpFailure.Connect, $"Cannot connect to {at}: {ex.Message}", ex);
            case TimeoutException or OperationCanceledException:
                return new SmtpDeliveryException(SmtpFailure.Connect, $"{at} did not answer in time ({s.TimeoutMs / 1000.0:0.#} s){(s.SocketOptions == SecureSocketOptions.SslOnConnect ? "; does it speak TLS from the start (smtp_security tls)?" : "")}.", ex);
            case IOException:
                return new SmtpDeliveryException(SmtpFailure.Connect, $"The connection to {at} failed: {ex.Message}", ex);
            default:
                return new SmtpDeliveryException(SmtpFailure.Other, $"{ex.GetType().Name} with {at}: {ex.Message}", ex);
        }
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(new[] { '\r', '\n' });
        return i < 0 ? s : s[..i];
    }

    /// <summary>Sends one message and reports the dialogue's outcome (TLS state, certificate, errors) without throwing.</summary>
    public static SmtpTestResult SendTest(SmtpSettings s, MimeMessage message, CancellationToken ct = default)
    {
        var result = new SmtpTestResult
        {
            Server = s.Server, Port = s.Port, Security = s.Security, From = s.From,
            To = message.To.Mailboxes.Select(m => m.Address).ToArray(),
        };
        var check = new ServerCertificateCheck(s);
        var stage = Stage.Connect;
        var sw = Stopwatch.StartNew();
        try
        {
            using var client = NewClient(s, check);
            try
            {
                client.Connect(s.Server.TrimEnd('.'), s.Port, s.SocketOptions, ct);
                result.Encrypted = client.IsEncrypted;
                if (client.IsEncrypted)
                {
                    result.TlsProtocol = client.SslProtocol.ToString();
                    result.TlsCipherSuite = client.SslCipherSuite?.ToString();
                }
                result.Capabilities = client.Capabilities.ToString()
                    + (client.AuthenticationMechanisms.Count > 0 ? "; AUTH " + string.Join(" ", client.AuthenticationMechanisms) : "");
                stage = Stage.Auth;
                Authenticate(client, s, ct);
                result.Authenticated = client.IsAuthenticated;
                stage = Stage.Send;
                result.Response = client.Send(message, ct);
                client.Disconnect(true, ct);
                result.Success = true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var d = ex as SmtpDeliveryException ?? Explain(ex, s, check, stage);
                result.Error = d.Message;
                result.FailureKind = d.Kind.ToString();
                result.StatusCode = d.StatusCode;
            }
        }
        finally
        {
            if (check.Called)
            {
                result.CertificateSubject = check.Subject;
                result.CertificateIssuer = check.Issuer;
                result.CertificateSha256 = check.Sha256;
                result.CertificateNotAfter = check.NotAfter;
                result.CertificateTrust = check.TrustedBy;
                result.CertificateError = check.Problem;
            }
        }
        result.ElapsedMilliseconds = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        return result;
    }
}
