# A real SMTP server on 127.0.0.1 for the Pester suite: the SmtpServer package (the same one the xunit tests use),
# compiled into this pwsh with a message store that writes every received mail to a folder as an .eml file.
# The server runs on the thread pool (pure C#; no PowerShell code on its threads) and is stopped by Stop-TestSmtpSink.

function Get-SmtpServerAssembly {
    $roots = @($env:NUGET_PACKAGES, (Join-Path $HOME '.nuget/packages')) | Where-Object { $_ }
    try { $gp = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''; $roots = @($gp.Trim()) + $roots } catch { }
    foreach ($r in $roots) {
        $dll = Join-Path $r 'smtpserver/11.1.0/lib/netstandard2.1/SmtpServer.dll'
        if (Test-Path $dll) { return $dll }
    }
    throw 'SmtpServer 11.1.0 is not in the NuGet cache; run ./build.sh Deps (tools/Pester.Restore downloads it).'
}

function Start-TestSmtpSink {
    param([string] $Folder = (Join-Path ([IO.Path]::GetTempPath()) ("hids-mail-" + [guid]::NewGuid().ToString('n').Substring(0, 8))),
        # with a certificate the sink offers STARTTLS; with -User/-Password it requires AUTH (over TLS only)
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate, [string] $User, [string] $Password)
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    if (-not ('HidsTestSmtp' -as [type])) {
        $dll = Get-SmtpServerAssembly
        Add-Type -Path $dll
        $pipes = [System.IO.Pipelines.Pipe].Assembly.Location
        Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies $dll, $pipes, 'netstandard', 'System.Buffers', 'System.Memory', 'System.Net.Primitives', 'System.Net.Sockets', 'System.Threading', 'System.Threading.Tasks', 'System.Runtime', 'System.ComponentModel', 'System.Security.Cryptography', 'System.Net.Security' -TypeDefinition @'
using System;
using System.Buffers;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

public sealed class HidsTestMailStore : MessageStore
{
    private readonly string _dir;
    private int _n;
    public HidsTestMailStore(string dir) { _dir = dir; }
    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        int n = Interlocked.Increment(ref _n);
        string tmp = Path.Combine(_dir, n.ToString("D5") + ".tmp");
        using (var fs = File.Create(tmp))
        {
            // what the session was: encrypted? authenticated as whom? (a header the test can read)
            var user = context.Authentication.IsAuthenticated ? context.Authentication.User : "-";
            var mark = System.Text.Encoding.ASCII.GetBytes("X-Test-Session: secure=" + (context.Pipe.IsSecure ? "yes" : "no") + " user=" + user + "\r\n");
            fs.Write(mark, 0, mark.Length);
            foreach (var seg in buffer) fs.Write(seg.Span);
        }
        File.Move(tmp, Path.Combine(_dir, n.ToString("D5") + ".eml"));
        return Task.FromResult(SmtpResponse.Ok);
    }
}

public sealed class HidsTestUsers : SmtpServer.Authentication.IUserAuthenticator
{
    private readonly string _user, _password;
    public int Failures;
    public HidsTestUsers(string user, string password) { _user = user; _password = password; }
    public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken token)
    {
        bool ok = user == _user && password == _password;
        if (!ok) Interlocked.Increment(ref Failures);
        return Task.FromResult(ok);
    }
}

public sealed class HidsTestSmtp : IDisposable
{
    private readonly CancellationTokenSource _cts = new CancellationTokenSource();
    public int Port { get; private set; }
    public string Folder { get; private set; }
    public Task Running { get; private set; }

    public HidsTestSmtp(string folder) : this(folder, null, null, null) { }

    public HidsTestSmtp(string folder, X509Certificate2 certificate, string user, string password)
    {
        Folder = folder;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start(); Port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(b =>
            {
                b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (certificate != null) b.Certificate(certificate).IsSecure(false);
                if (!string.IsNullOrEmpty(user)) { b.AuthenticationRequired(); if (certificate == null) b.AllowUnsecureAuthentication(); }
            }).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new HidsTestMailStore(folder));
        if (!string.IsNullOrEmpty(user)) services.Add(new HidsTestUsers(user, password));
        var server = new SmtpServer.SmtpServer(options, services);
        Running = server.StartAsync(_cts.Token);
    }

    public void Dispose() { _cts.Cancel(); try { Running.Wait(5000); } catch (AggregateException) { } }
}
'@
    }
    $sink = [HidsTestSmtp]::new($Folder, $Certificate, $(if ($User) { $User } else { $null }), $Password)
    # wait until it accepts connections
    $deadline = (Get-Date).AddSeconds(15)
    while ((Get-Date) -lt $deadline) {
        try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $sink.Port); $c.Dispose(); break } catch { Start-Sleep -Milliseconds 100 }
    }
    $sink
}

function Stop-TestSmtpSink([HidsTestSmtp] $Sink) { if ($Sink) { $Sink.Dispose() } }

# Mails received so far, decoded enough for assertions: Subject, To, and the plain-text body.
function Get-TestMail([HidsTestSmtp] $Sink) {
    foreach ($f in Get-ChildItem $Sink.Folder -Filter *.eml -ErrorAction SilentlyContinue | Sort-Object Name) {
        $raw = [IO.File]::ReadAllText($f.FullName)
        $split = $raw -split "`r?`n`r?`n", 2
        $headers = $split[0]; $body = if ($split.Count -gt 1) { $split[1] } else { '' }
        if ($headers -match '(?im)^Content-Transfer-Encoding:\s*quoted-printable') {
            $body = $body -replace "=`r?`n", ''
            $body = [regex]::Replace($body, '=([0-9A-F]{2})', { param($m) [char][Convert]::ToInt32($m.Groups[1].Value, 16) })
        } elseif ($headers -match '(?im)^Content-Transfer-Encoding:\s*base64') {
            try { $body = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(($body -replace '\s', ''))) } catch { }
        }
        $subject = if ($headers -match '(?im)^Subject:\s*(.+)$') { $Matches[1].Trim() } else { '' }
        [pscustomobject]@{ File = $f.FullName; Subject = $subject; Headers = $headers; Body = ($body -replace "`r`n", "`n") }
    }
}

# Polls until a mail whose body matches $Pattern (regex) arrives; returns it or $null after the timeout.
function Wait-TestMail([HidsTestSmtp] $Sink, [string] $Pattern, [int] $TimeoutSeconds = 90, [int] $After = 0) {
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    do {
        $m = @(Get-TestMail $Sink) | Select-Object -Skip $After | Where-Object { $_.Body -match $Pattern } | Select-Object -First 1
        if ($m) { return $m }
        Start-Sleep -Milliseconds 500
    } while ((Get-Date) -lt $deadline)
    $null
}

Export-ModuleMember -Function Start-TestSmtpSink, Stop-TestSmtpSink, Get-TestMail, Wait-TestMail
