using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Storage;
using SmtpReply = SmtpServer.Protocol.SmtpResponse;

namespace Hids.Engine.Tests.Alerts;

/// <summary>Alerts built the way the engine builds them, with the full logs of the user's guide.</summary>
public static class GuideAlerts
{
    public static readonly DateTimeOffset Jan30 = new(2015, 1, 30, 9, 57, 6, TimeSpan.Zero);

    public static Alert Rule502(DateTimeOffset? t = null) => new()
    {
        Time = t ?? new DateTimeOffset(2015, 1, 30, 8, 22, 52, TimeSpan.Zero),
        RuleId = 502, Level = 3, Description = "Ossec server started.", Groups = new[] { "ossec" },
        Host = "deft", Location = "ossec-monitord", FullLog = "ossec: Ossec started.", Decoder = "ossec",
    };

    public static Alert Rule550(DateTimeOffset? t = null) => new()
    {
        Time = t ?? Jan30,
        RuleId = 550, Level = 7, Description = "Integrity checksum changed.", Groups = new[] { "ossec", "syscheck" },
        Host = "deft", Location = "syscheck", Decoder = "syscheck_integrity_changed",
        FullLog = "Integrity checksum changed for: '/home/finid/sidebar.php'\n" +
                  "Size changed from '0' to '19'\n" +
                  "What changed:\n0a1\n> this is a php file\n\n" +
                  "Old md5sum was: 'd41d8cd98f00b204e9800998ecf8427e'\n" +
                  "New md5sum is : 'df4f22f84b5ceb2c31cbb391883f2c83'\n" +
                  "Old sha1sum was: 'da39a3ee5e6b4b0d3255bfef95601890afd80709'\n" +
                  "New sha1sum is : '297b920c943134074690344a3da83f19483a93ef'",
        Syscheck = new SyscheckDetails
        {
            Path = "/home/finid/sidebar.php", Event = "Modified", SizeBefore = 0, SizeAfter = 19,
            Md5Before = "d41d8cd98f00b204e9800998ecf8427e", Md5After = "df4f22f84b5ceb2c31cbb391883f2c83",
            Sha1Before = "da39a3ee5e6b4b0d3255bfef95601890afd80709", Sha1After = "297b920c943134074690344a3da83f19483a93ef",
            Diff = "0a1\n> this is a php file", ChangedAttributes = new[] { "size", "md5", "sha1" },
        },
    };

    public static Alert Rule553(DateTimeOffset? t = null) => new()
    {
        Time = t ?? new DateTimeOffset(2015, 1, 30, 9, 57, 54, TimeSpan.Zero),
        RuleId = 553, Level = 7, Description = "File deleted. Unable to retrieve checksum.", Groups = new[] { "ossec", "syscheck" },
        Host = "deft", Location = "syscheck", Decoder = "syscheck_deleted",
        FullLog = "File '/home/user5/footer.php' was deleted. Unable to retrieve checksum.",
        Syscheck = new SyscheckDetails { Path = "/home/user5/footer.php", Event = "Deleted" },
    };

    public static Alert Rule554(DateTimeOffset? t = null) => new()
    {
        Time = t ?? new DateTimeOffset(2015, 1, 30, 9, 40, 0, TimeSpan.Zero),
        RuleId = 554, Level = 7, Description = "File added to the system.", Groups = new[] { "ossec", "syscheck" },
        Host = "deft", Location = "syscheck", Decoder = "syscheck_new_entry",
        FullLog = "New file '/var/www/index.html' added to the file system.",
        Syscheck = new SyscheckDetails { Path = "/var/www/index.html", Event = "Added", SizeAfter = 12, Md5After = "0123456789abcdef0123456789abcdef" },
    };

    public const string NetstatCmd = "netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort";

    public static Alert Rule533(DateTimeOffset? t = null) => new()
    {
        Time = t ?? new DateTimeOffset(2015, 1, 30, 9, 26, 2, TimeSpan.Zero),
        RuleId = 533, Level = 7, Description = "Listened ports status (netstat) changed (new port opened or closed).",
        Groups = new[] { "ossec" }, Host = "deft", Location = NetstatCmd, Decoder = "ossec",
        FullLog = $"ossec: output: '{NetstatCmd}':\n" +
                  "tcp        0      0 0.0.0.0:111             0.0.0.0:*               LISTEN\n" +
                  "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN\n" +
                  "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN",
        PreviousOutput = $"ossec: output: '{NetstatCmd}':\n" +
                  "tcp        0      0 0.0.0.0:111             0.0.0.0:*               LISTEN\n" +
                  "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN",
    };

    public static Alert Rule2902(DateTimeOffset? t = null) => new()
    {
        Time = t ?? new DateTimeOffset(2015, 1, 30, 9, 19, 16, TimeSpan.Zero),
        RuleId = 2902, Level = 7, Description = "New dpkg (Debian Package) installed.", Groups = new[] { "syslog", "dpkg", "config_changed" },
        Host = "deft", Location = "/var/log/dpkg.log", Decoder = "dpkg-decoder", Status = "installed",
        FullLog = "2015-01-30 09:19:14 status installed nginx-common:all 1.2.1-2.2+wheezy3",
    };

    public static Alert Sshd(int i, DateTimeOffset t, string ip, string user, int level = 5, int rule = 5716) => new()
    {
        Time = t, RuleId = rule, Level = level, Description = "SSHD authentication failed.",
        Groups = new[] { "syslog", "sshd", "authentication_failed" }, Host = "deft", Location = "/var/log/auth.log",
        Decoder = "sshd", SrcIp = ip, User = user, ProgramName = "sshd",
        FullLog = $"Jan 30 09:{i % 60:00}:00 deft sshd[{1000 + i}]: Failed password for {user} from {ip} port 22 ssh2",
    };
}

/// <summary>A settable clock for the hour window and delays.</summary>
public sealed class ManualClock : TimeProvider
{
    public ManualClock(DateTimeOffset now) { Now = now; }
    public DateTimeOffset Now { get; set; }
    public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A real SMTP server (SmtpServer package) on 127.0.0.1 collecting what it receives.</summary>
public sealed class LoopbackSmtp : IDisposable
{
    private SmtpServer.SmtpServer? _server;
    private CancellationTokenSource? _cts;
    private Task? _task;
    public int Port { get; }
    public ConcurrentQueue<MimeMessage> Received { get; } = new();
    public ConcurrentQueue<string[]> Envelopes { get; } = new();

    /// <summary>When set, the server requires AUTH with this user and password (plain, over loopback).</summary>
    public (string User, string Password)? RequireAuth { get; }
    public int FailedLogins;
    /// <summary>Messages this predicate accepts are refused permanently (554), as a server does with a too-large or policy-rejected mail.</summary>
    public Func<MimeMessage, bool>? Reject { get; set; }

    /// <summary>With a certificate the server offers STARTTLS (or, with <see cref="ImplicitTls"/>, speaks TLS from the first byte) and AUTH only over TLS.</summary>
    public X509Certificate2? Certificate { get; }
    public bool ImplicitTls { get; }
    /// <summary>One entry per received message: was the session encrypted, and as whom did the client log in.</summary>
    public ConcurrentQueue<(bool Secure, string? User)> Sessions { get; } = new();

    public LoopbackSmtp(int? port = null, bool start = true, (string, string)? requireAuth = null,
        X509Certificate2? certificate = null, bool implicitTls = false)
    {
        Port = port ?? FreeTcpPort();
        RequireAuth = requireAuth;
        Certificate = certificate;
        ImplicitTls = implicitTls;
        if (start) Start();
    }

    public static int FreeTcpPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var p = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return p;
    }

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b =>
            {
                b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (Certificate is not null) b.Certificate(Certificate).IsSecure(ImplicitTls)
                    .SupportedSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13);
                if (RequireAuth is not null)
                {
                    b.AuthenticationRequired();
                    if (Certificate is null) b.AllowUnsecureAuthentication(); // with a certificate: AUTH only over TLS
                }
            })
            .Build();
        var sp = new ServiceProvider();
        sp.Add(new Store(this));
        if (RequireAuth is not null) sp.Add(new Auth(this));
        _server = new SmtpServer.SmtpServer(options, sp);
        _cts = new CancellationTokenSource();
        _task = _server.StartAsync(_cts.Token);
        // wait until it accepts connections
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, Port); return; }
            catch (SocketException) { Thread.Sleep(50); }
        }
        throw new InvalidOperationException("SMTP test server did not start");
    }

    public void Stop()
    {
        if (_server is null) return;
        _cts!.Cancel();
        try { _server.Shutdown(); _server.ShutdownTask.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { } catch (OperationCanceledException) { }
        try { _task!.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        _server = null;
    }

    public List<MimeMessage> WaitFor(int count, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Received.Count < count && DateTime.UtcNow < until) Thread.Sleep(25);
        return Received.ToList();
    }

    public void Dispose() => Stop();

    private sealed class Auth : SmtpServer.Authentication.IUserAuthenticator
    {
        private readonly LoopbackSmtp _owner;
        public Auth(LoopbackSmtp owner) { _owner = owner; }
        public Task<bool> AuthenticateAsync(SmtpServer.ISessionContext context, string user, string password, CancellationToken token)
        {
            var ok = _owner.RequireAuth is { } r && r.User == user && r.Password == password;
            if (!ok) Interlocked.Increment(ref _owner.FailedLogins);
            return Task.FromResult(ok);
        }
    }

    private sealed class Store : IMessageStore
    {
        private readonly LoopbackSmtp _owner;
        public Store(LoopbackSmtp owner) { _owner = owner; }
        public Task<SmtpReply> SaveAsync(SmtpServer.ISessionContext context, SmtpServer.IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var ms = new MemoryStream(buffer.ToArray());
            var message = MimeMessage.Load(ms);
            if (_owner.Reject?.Invoke(message) == true)
                return Task.FromResult(new SmtpReply(SmtpServer.Protocol.SmtpReplyCode.TransactionFailed, "rejected by policy"));
            _owner.Sessions.Enqueue((context.Pipe.IsSecure, context.Authentication.IsAuthenticated ? context.Authentication.User : null));
            _owner.Received.Enqueue(message);
            _owner.Envelopes.Enqueue(transaction.To.Select(t => t.User + "@" + t.Host).ToArray());
            return Task.FromResult(SmtpReply.Ok);
        }
    }
}

/// <summary>Certificates made at run time: a private CA, server certificates it issues, self-signed ones, PEM files.</summary>
public static class TestCertificates
{
    public static X509Certificate2 CreateCa(string name = "Hids Test Root CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}, O=Hids tests", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static CertificateRequest ServerRequest(ECDsa key, string cn, string[] dnsNames, IPAddress[] ips)
    {
        var req = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var d in dnsNames) san.AddDnsName(d);
        foreach (var ip in ips) san.AddIpAddress(ip);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req;
    }

    /// <summary>A server certificate for 127.0.0.1 / localhost (or the given names) issued by <paramref name="ca"/>.</summary>
    public static X509Certificate2 IssueServer(X509Certificate2 ca, string cn = "127.0.0.1", string[]? dnsNames = null, IPAddress[]? ips = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = ServerRequest(key, cn, dnsNames ?? new[] { "localhost" }, ips ?? new[] { IPAddress.Loopback });
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var signed = req.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(90), serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A self-signed server certificate for 127.0.0.1 / localhost.</summary>
    public static X509Certificate2 SelfSigned(string cn = "127.0.0.1", DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = ServerRequest(key, cn, new[] { "localhost" }, new[] { IPAddress.Loopback });
        return req.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(90));
    }

    /// <summary>Writes the certificates (public parts only) to a PEM file, the way an admin exports a CA.</summary>
    public static string WritePem(string path, params X509Certificate2[] certs)
    {
        File.WriteAllText(path, string.Concat(certs.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    public static string Sha256(X509Certificate2 c) => c.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>"AB:CD:..." as openssl x509 -fingerprint -sha256 prints it.</summary>
    public static string Sha256WithColons(X509Certificate2 c)
        => string.Join(":", Enumerable.Range(0, 32).Select(i => Sha256(c).Substring(i * 2, 2)));
}
