# Alerts: Get-HidsAlert over a store filled through the engine's own types, the JSON/remoting round trips,
# and Send-HidsTestEmail against a real SMTP server on 127.0.0.1 (the SmtpServer package the xunit tests use).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest
    # The engine assembly loads lazily; load it (the module's own copy) so its types resolve in this script.
    Add-Type -Path (Join-Path (Split-Path $env:HIDS_TEST_MODULE) 'Hids.Engine.dll')
    $script:root = New-HidsTestRoot 'hids-alerts'
    New-Item -ItemType Directory (Join-Path $root 'etc') | Out-Null
    Set-Content (Join-Path $root 'etc/ossec.conf') @'
<ossec_config>
  <global>
    <email_notification>yes</email_notification>
    <email_to>admin@example.com</email_to>
    <email_from>hids@deft.example</email_from>
    <smtp_server>127.0.0.1</smtp_server>
  </global>
</ossec_config>
'@
    $script:t0 = [DateTimeOffset]::new(2026, 11, 1, 0, 0, 0, [TimeSpan]::Zero)
    $script:alerts = [System.Collections.Generic.List[Hids.Engine.Alerts.Alert]]::new()
    for ($i = 0; $i -lt 200; $i++) {
        $a = [Hids.Engine.Alerts.Alert]::new()
        $a.Time = $t0.AddMinutes($i)
        $a.Host = 'deft'
        if ($i % 4 -eq 0) {
            $a.RuleId = 550; $a.Level = 7; $a.Description = 'Integrity checksum changed.'
            $a.Groups = [string[]]@('ossec', 'syscheck'); $a.Location = 'syscheck'; $a.Decoder = 'syscheck_integrity_changed'
            $a.FullLog = "Integrity checksum changed for: '/var/www/page$i.php'`nSize changed from '1' to '2'"
            $s = [Hids.Engine.Analysis.SyscheckDetails]::new()
            $s.Path = "/var/www/page$i.php"; $s.Event = 'Modified'; $s.SizeBefore = 1; $s.SizeAfter = 2
            $s.Md5Before = 'd41d8cd98f00b204e9800998ecf8427e'; $s.Md5After = 'df4f22f84b5ceb2c31cbb391883f2c83'
            $s.MtimeAfter = $t0.AddMinutes($i); $s.ChangedAttributes = [string[]]@('size', 'md5')
            $a.Syscheck = $s
        }
        else {
            $a.RuleId = 5716; $a.Level = 3 + ($i % 10); $a.Description = 'SSHD authentication failed.'
            $a.Groups = [string[]]@('syslog', 'sshd', 'authentication_failed'); $a.Location = '/var/log/auth.log'; $a.Decoder = 'sshd'
            $a.SrcIp = "192.0.2.$($i % 5 + 1)"; $a.User = @('alice', 'bob')[$i % 2]
            $a.FullLog = "Nov  1 00:00:00 deft sshd[$i]: Failed password for $($a.User) from $($a.SrcIp) port 22 ssh2"
        }
        $alerts.Add($a)
    }
    $store = [Hids.Engine.Alerts.AlertStore]::OpenWriter((Join-Path $root 'queue/alerts.db'))
    try { $store.Add($alerts) } finally { $store.Dispose() }
}

AfterAll {
    if ($script:root) { Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Alerts: Get-HidsAlert' {
    It 'returns every stored alert as a typed object, oldest first' {
        $r = @(Get-HidsAlert -Instance $root)
        $r.Count | Should -Be 200
        $r[0] | Should -BeOfType ([Hids.Engine.Alerts.Alert])
        $r[0].Id | Should -Be 1
        $r[199].Id | Should -Be 200
    }

    It 'filters by -MinimumLevel, -RuleId, -Group, -SourceIp, -User' {
        @(Get-HidsAlert -Instance $root -MinimumLevel 10).Count | Should -Be @($alerts | Where-Object Level -ge 10).Count
        @(Get-HidsAlert -Instance $root -RuleId 550).Count | Should -Be 50
        @(Get-HidsAlert -Instance $root -Group syscheck).Count | Should -Be 50
        @(Get-HidsAlert -Instance $root -Group sshd -MinimumLevel 12).Count | Should -Be @($alerts | Where-Object { $_.RuleId -eq 5716 -and $_.Level -ge 12 }).Count
        @(Get-HidsAlert -Instance $root -SourceIp 192.0.2.3).Count | Should -Be @($alerts | Where-Object SrcIp -eq '192.0.2.3').Count
        @(Get-HidsAlert -Instance $root -User alice).Count | Should -Be @($alerts | Where-Object User -eq 'alice').Count
    }

    It 'filters by -Path (exact and prefix), -Match, -Since/-Until' {
        $one = @(Get-HidsAlert -Instance $root -Path /var/www/page8.php)
        $one.Count | Should -Be 1
        $one[0].Syscheck.Path | Should -Be '/var/www/page8.php'
        @(Get-HidsAlert -Instance $root -Path '/var/www/*').Count | Should -Be 50
        @(Get-HidsAlert -Instance $root -Match 'page12.php').Id | Should -Be 13
        @(Get-HidsAlert -Instance $root -Match 'failed password for bob').Count | Should -Be @($alerts | Where-Object User -eq 'bob').Count
        $since = $t0.AddMinutes(10).UtcDateTime; $until = $t0.AddMinutes(19).UtcDateTime
        @(Get-HidsAlert -Instance $root -Since $since -Until $until).Count | Should -Be 10
    }

    It 'takes -First and -Last' {
        (Get-HidsAlert -Instance $root -RuleId 550 -First 2).Id | Should -Be @(1, 5)
        (Get-HidsAlert -Instance $root -RuleId 550 -Last 2).Id | Should -Be @(193, 197)
        { Get-HidsAlert -Instance $root -First 1 -Last 1 -ErrorAction Stop } | Should -Throw -ErrorId 'FirstAndLast,Hids.PowerShell.Cmdlets.Alerts.GetHidsAlertCommand'
    }

    It 'shows a table with Time, RuleId, Level, Description and the source' {
        $text = Get-HidsAlert -Instance $root -First 2 | Format-Table | Out-String
        $text | Should -Match 'RuleId'
        $text | Should -Match 'SrcIp/Location'
        $text | Should -Match '/var/www/page0.php'
        $text | Should -Match '2026-11-01'
    }

    It 'reports a missing instance as an error' {
        $err = $null
        Get-HidsAlert -Instance (Join-Path $root 'nope') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InstanceNotFound*'
    }

    It 'keeps every field through ConvertTo-Json -Depth 5' {
        $a = Get-HidsAlert -Instance $root -First 1
        $j = $a | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        foreach ($p in $a.PSObject.Properties.Name) { $j.PSObject.Properties.Name | Should -Contain $p }
        foreach ($p in $a.Syscheck.PSObject.Properties.Name) { $j.Syscheck.PSObject.Properties.Name | Should -Contain $p }
        $j.Syscheck.Md5After | Should -Be 'df4f22f84b5ceb2c31cbb391883f2c83'
        $j.Groups | Should -Be @('ossec', 'syscheck')
        $j.RuleId | Should -Be 550
    }

    It 'keeps every field through a remoting-style (PSSerializer, depth 3) round trip' {
        foreach ($a in @(Get-HidsAlert -Instance $root -First 2)) {
            $d = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($a, 3))
            $d.PSObject.TypeNames[0] | Should -Be 'Deserialized.Hids.Engine.Alerts.Alert'
            foreach ($p in $a.PSObject.Properties) {
                $d.PSObject.Properties.Name | Should -Contain $p.Name
                if ($p.Value -is [string] -or $p.Value -is [int] -or $p.Value -is [long] -or $p.Value -is [bool]) {
                    $d.($p.Name) | Should -Be $p.Value -Because $p.Name
                }
            }
            @($d.Groups) | Should -Be @($a.Groups)
            if ($a.Syscheck) {
                foreach ($p in $a.Syscheck.PSObject.Properties.Name) { $d.Syscheck.PSObject.Properties.Name | Should -Contain $p }
                $d.Syscheck.Path | Should -Be $a.Syscheck.Path
            }
            else { $d.SrcIp | Should -Be $a.SrcIp }
        }
    }

    It 'binds SrcIp by property name to an Address parameter (the Block-HidsAddress contract)' {
        function Test-AddressBinding {
            param([Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('SrcIp')] [string] $Address)
            process { $Address }
        }
        Get-HidsAlert -Instance $root -SourceIp 192.0.2.4 -First 2 | Test-AddressBinding | Should -Be @('192.0.2.4', '192.0.2.4')
    }

    It '-Follow streams alerts stored after it started and stops on request' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($module, $inst)
                Import-Module $module
                Get-HidsAlert -Instance $inst -Follow -First 2 -MinimumLevel 5 -PollInterval 100
            }).AddArgument($env:HIDS_TEST_MODULE).AddArgument($root)
        $h = $ps.BeginInvoke()
        try {
            Start-Sleep -Milliseconds 1500
            $w = [Hids.Engine.Alerts.AlertStore]::OpenWriter((Join-Path $root 'queue/alerts.db'))
            try {
                foreach ($lvl in 3, 9, 11) {
                    $n = [Hids.Engine.Alerts.Alert]::new()
                    $n.Time = [DateTimeOffset]::Now; $n.RuleId = 100100 + $lvl; $n.Level = $lvl; $n.Description = "follow $lvl"; $n.Location = 'test'
                    $n.FullLog = "follow test $lvl"
                    $w.Add($n)
                }
            }
            finally { $w.Dispose() }
            $h.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            $out = $ps.EndInvoke($h)
            $out.RuleId | Should -Be @(100109, 100111)
        }
        finally { $ps.Dispose() }

        # Without -First it runs until stopped (Ctrl+C calls StopProcessing the same way).
        $ps2 = [powershell]::Create()
        $null = $ps2.AddScript({ param($module, $inst) Import-Module $module; Get-HidsAlert -Instance $inst -Follow -PollInterval 100 }).AddArgument($env:HIDS_TEST_MODULE).AddArgument($root)
        $h2 = $ps2.BeginInvoke()
        Start-Sleep -Milliseconds 800
        $h2.IsCompleted | Should -BeFalse
        $ps2.Stop()
        $h2.IsCompleted | Should -BeTrue
        $ps2.Dispose()
    }
}

Describe 'Alerts: Send-HidsTestEmail' {
    BeforeAll {
        $gp = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
        $script:smtpDll = Join-Path $gp 'smtpserver/11.1.0/lib/netstandard2.1/SmtpServer.dll'
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start()
        $script:closedPort = $l.LocalEndpoint.Port; $l.Stop()
    }

    It 'reports a failed SMTP dialogue as a typed result and an error' {
        $err = $null
        $r = Send-HidsTestEmail -Instance $root -SmtpServer 127.0.0.1 -Port $closedPort -To admin@example.com -TimeoutSeconds 5 -ErrorVariable err -ErrorAction SilentlyContinue
        $r | Should -BeOfType ([Hids.Engine.Alerts.SmtpTestResult])
        $r.Success | Should -BeFalse
        $r.Server | Should -Be '127.0.0.1'
        $r.Error | Should -Match '127.0.0.1'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpTestFailed*'
    }

    It 'sends nothing with -WhatIf' {
        Send-HidsTestEmail -Instance $root -SmtpServer 127.0.0.1 -Port $closedPort -To admin@example.com -WhatIf | Should -BeNullOrEmpty
    }

    It 'sends through a real SMTP server on 127.0.0.1 using the instance settings and reports the reply' {
        if (-not (Test-Path $smtpDll)) { Set-ItResult -Skipped -Because "SmtpServer package not restored ($smtpDll); the success path is covered by xunit" ; return }
        Add-Type -Path $smtpDll
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
        $opts = [SmtpServer.SmtpServerOptionsBuilder]::new().ServerName('localhost').Port($port).Build()
        $server = [SmtpServer.SmtpServer]::new($opts, [SmtpServer.ComponentModel.ServiceProvider]::Default)
        $cts = [System.Threading.CancellationTokenSource]::new()
        $task = $server.StartAsync($cts.Token)
        try {
            $deadline = (Get-Date).AddSeconds(10)
            do { try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port); $c.Dispose(); break } catch { Start-Sleep -Milliseconds 100 } } while ((Get-Date) -lt $deadline)
            $r = Send-HidsTestEmail -Instance $root -Port $port
            $r.Success | Should -BeTrue
            $r.To | Should -Be @('admin@example.com')
            $r.From | Should -Be 'hids@deft.example'
            $r.Response | Should -Not -BeNullOrEmpty
        }
        finally { $cts.Cancel(); $server.Shutdown(); $null = $server.ShutdownTask.Wait(5000) }
    }
}

Describe 'Alerts: TLS and authentication options (Set-HidsEmail, Send-HidsTestEmail)' {
    BeforeAll {
        $gp = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
        Add-Type -Path (Join-Path $gp 'smtpserver/11.1.0/lib/netstandard2.1/SmtpServer.dll')
        $script:tlsDir = New-HidsTestRoot 'hids-alerts-tls'
        # a private CA and a server certificate for 127.0.0.1 it issues, made now
        $caKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $caReq = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=Hids Pester CA', $caKey, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $caReq.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $caReq.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
        $script:ca = $caReq.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=127.0.0.1', $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $san.AddIpAddress([System.Net.IPAddress]::Loopback); $san.AddDnsName('localhost')
        $req.CertificateExtensions.Add($san.Build())
        $signed = $req.Create($ca, [DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30), [byte[]](1, 2, 3, 4, 5, 6, 7, 8))
        $script:cert = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($signed, $key)
        $script:caPem = Join-Path $tlsDir 'ca.pem'
        Set-Content -Path $caPem -Value $ca.ExportCertificatePem()
        $script:certSha256 = $cert.GetCertHashString([System.Security.Cryptography.HashAlgorithmName]::SHA256)

        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start(); $script:tlsPort = $l.LocalEndpoint.Port; $l.Stop()
        $eb = [SmtpServer.EndpointDefinitionBuilder]::new()
        $null = $eb.Endpoint([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, $tlsPort)).Certificate($cert).IsSecure($false)
        $opts = [SmtpServer.SmtpServerOptionsBuilder]::new().ServerName('localhost').Endpoint($eb.Build()).Build()
        $script:tlsServer = [SmtpServer.SmtpServer]::new($opts, [SmtpServer.ComponentModel.ServiceProvider]::Default)
        $script:tlsCts = [System.Threading.CancellationTokenSource]::new()
        $null = $tlsServer.StartAsync($tlsCts.Token)
        $deadline = (Get-Date).AddSeconds(10)
        do { try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $tlsPort); $c.Dispose(); break } catch { Start-Sleep -Milliseconds 100 } } while ((Get-Date) -lt $deadline)

        $script:mailRoot = Join-Path $tlsDir 'instance'
        New-Item -ItemType Directory (Join-Path $mailRoot 'etc') | Out-Null
        Copy-Item (Join-Path $root 'etc/ossec.conf') (Join-Path $mailRoot 'etc/ossec.conf')
    }

    AfterAll {
        if ($script:tlsServer) { $tlsCts.Cancel(); $tlsServer.Shutdown(); $null = $tlsServer.ShutdownTask.Wait(5000) }
        if ($script:tlsDir) { Remove-Item $script:tlsDir -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'Set-HidsEmail writes smtp_security, smtp_user, smtp_password_file, smtp_ca_file and smtp_cert_fingerprint idempotently' {
        $pw = Join-Path $tlsDir 'smtp.pw'
        Set-Content -Path $pw -Value 'secret'
        [IO.File]::SetUnixFileMode($pw, [IO.UnixFileMode]'UserRead, UserWrite')
        $fp = ($certSha256 -split '(..)' -ne '') -join ':'
        $s = Set-HidsEmail -Instance $mailRoot -SmtpSecurity StartTls -SmtpPort 587 -SmtpUser hids -SmtpPasswordFile $pw -SmtpCaFile $caPem -SmtpCertificateFingerprint $fp
        $s.SmtpSecurity | Should -Be 'starttls'
        $s.SmtpUser | Should -Be 'hids'
        $s.SmtpPasswordFile | Should -Be $pw
        $s.SmtpCaFile | Should -Be $caPem
        $s.SmtpCertFingerprint | Should -Be $certSha256
        $conf = Get-Content (Join-Path $mailRoot 'etc/ossec.conf') -Raw
        $conf | Should -Match "<smtp_ca_file>$([regex]::Escape($caPem))</smtp_ca_file>"
        $conf | Should -Match '<hids>'
        $hash = (Get-FileHash (Join-Path $mailRoot 'etc/ossec.conf')).Hash
        Set-HidsEmail -Instance $mailRoot -SmtpSecurity StartTls -SmtpPort 587 -SmtpUser hids -SmtpPasswordFile $pw -SmtpCaFile $caPem -SmtpCertificateFingerprint $fp | Out-Null
        (Get-FileHash (Join-Path $mailRoot 'etc/ossec.conf')).Hash | Should -Be $hash
        Test-HidsConfiguration -Instance $mailRoot -Quiet | Should -BeTrue
        { Set-HidsEmail -Instance $mailRoot -SmtpCertificateFingerprint '12:34' } | Should -Throw '*SHA-256*'
        # an empty string removes a setting
        (Set-HidsEmail -Instance $mailRoot -SmtpCertificateFingerprint '').SmtpCertFingerprint | Should -BeNullOrEmpty
        Get-Content (Join-Path $mailRoot 'etc/ossec.conf') -Raw | Should -Not -Match 'smtp_cert_fingerprint'
        $hash = (Get-FileHash (Join-Path $mailRoot 'etc/ossec.conf')).Hash
        Set-HidsEmail -Instance $mailRoot -SmtpCertificateFingerprint '' | Out-Null
        (Get-FileHash (Join-Path $mailRoot 'etc/ossec.conf')).Hash | Should -Be $hash
    }

    It 'Test-HidsConfiguration warns about a password file other users can read' {
        $pw = Join-Path $tlsDir 'loose.pw'
        Set-Content -Path $pw -Value 'secret'
        [IO.File]::SetUnixFileMode($pw, [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead')
        Set-HidsEmail -Instance $mailRoot -SmtpPasswordFile $pw | Out-Null
        $d = Test-HidsConfiguration -Instance $mailRoot | Where-Object Code -eq 'HIDS1036'
        $d | Should -Not -BeNullOrEmpty
        "$($d.Message)" | Should -Match 'other users'
    }

    It 'Send-HidsTestEmail reports STARTTLS with a certificate trusted through -CaFile' {
        $r = Send-HidsTestEmail -Instance $root -Port $tlsPort -Security starttls -CaFile $caPem -TimeoutSeconds 10
        $r.Success | Should -BeTrue
        $r.Encrypted | Should -BeTrue
        $r.TlsProtocol | Should -Not -BeNullOrEmpty
        $r.CertificateTrust | Should -Be 'smtp_ca_file'
        $r.CertificateSha256 | Should -Be $certSha256
        $r.CertificateIssuer | Should -Match 'Hids Pester CA'
        ($r | ConvertTo-Json | ConvertFrom-Json).CertificateSha256 | Should -Be $certSha256
    }

    It 'Send-HidsTestEmail reports an untrusted certificate with the reason, a security error and what to do' {
        $err = $null
        $r = Send-HidsTestEmail -Instance $root -Port $tlsPort -Security starttls -TimeoutSeconds 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $r.Success | Should -BeFalse
        $r.FailureKind | Should -Be 'Certificate'
        $r.CertificateSha256 | Should -Be $certSha256
        $r.CertificateError | Should -Match 'not trusted'
        $r.Error | Should -Match 'smtp_ca_file'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpTestFailed*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'SmtpCaFile'
    }

    It 'the monitor (hidsd) mails over STARTTLS with smtp_ca_file and AUTH; a wrong password keeps the mail queued until it is fixed' {
        Import-Module (Join-Path $PSScriptRoot 'SmtpSink.psm1') -Force
        $sink = Start-TestSmtpSink -Folder (Join-Path $tlsDir 'mail') -Certificate $cert -User 'hids' -Password 'c0rrect horse'
        $r = Join-Path $tlsDir 'monitored'
        try {
            Install-Hids -Path $r -Type Local -EmailTo 'admin@example.com' | Out-Null
            Protect-HidsTestInstance -Root $r
            Get-HidsDirectory -Instance $r | Remove-HidsDirectory -Instance $r -Confirm:$false
            $conf = Join-Path $r 'etc/ossec.conf'
            (Get-Content $conf -Raw) -replace '<rootcheck>', "<rootcheck>`n    <disabled>yes</disabled>" | Set-Content $conf -NoNewline
            $pw = Join-Path $tlsDir 'monitor.pw'
            Set-Content -Path $pw -Value 'wrong password'
            [IO.File]::SetUnixFileMode($pw, [IO.UnixFileMode]'UserRead, UserWrite')
            Set-HidsEmail -Instance $r -SmtpServer 127.0.0.1 -SmtpPort $sink.Port -From 'hids@deft.example' -SmtpSecurity StartTls `
                -SmtpCaFile $caPem -SmtpUser hids -SmtpPasswordFile $pw -MaxPerHour 100 -Notification | Out-Null
            Test-HidsConfiguration -Instance $r -Quiet | Should -BeTrue
            (Start-HidsMonitor -Instance $r).Running | Should -BeTrue
            # rule 502 (monitor started) is mailed; the wrong password keeps it queued, and ossec.log says why
            $log = Join-Path $r 'logs/ossec.log'
            $deadline = (Get-Date).AddSeconds(120)
            while ((Get-Date) -lt $deadline -and -not (Select-String -Path $log -Pattern 'Authentication failed for user .hids.' -Quiet -ErrorAction SilentlyContinue)) { Start-Sleep 1 }
            Select-String -Path $log -Pattern 'Authentication failed for user .hids.' -Quiet | Should -BeTrue
            @(Get-TestMail $sink).Count | Should -Be 0
            @(Get-ChildItem (Join-Path $r 'queue/mail/out') -Filter *.eml).Count | Should -BeGreaterThan 0
            # the admin fixes the password file: the next retry delivers, encrypted and authenticated
            Set-Content -Path $pw -Value 'c0rrect horse'
            $m = Wait-TestMail $sink 'Rule: 502 fired' 150
            $m | Should -Not -BeNullOrEmpty
            $m.Headers | Should -Match 'X-Test-Session: secure=yes user=hids'
        }
        finally {
            if (Test-Path (Join-Path $r 'var/run/hidsd.pid')) { Stop-HidsMonitor -Instance $r -Force -TimeoutSeconds 30 -ErrorAction SilentlyContinue | Out-Null }
            Stop-TestSmtpSink $sink
        }
    }

    It 'Send-HidsTestEmail says so when starttls is required but the server does not offer it' {
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
        $opts = [SmtpServer.SmtpServerOptionsBuilder]::new().ServerName('localhost').Port($port).Build()
        $server = [SmtpServer.SmtpServer]::new($opts, [SmtpServer.ComponentModel.ServiceProvider]::Default)
        $cts = [System.Threading.CancellationTokenSource]::new()
        $null = $server.StartAsync($cts.Token)
        try {
            $deadline = (Get-Date).AddSeconds(10)
            do { try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port); $c.Dispose(); break } catch { Start-Sleep -Milliseconds 100 } } while ((Get-Date) -lt $deadline)
            $r = Send-HidsTestEmail -Instance $root -Port $port -Security starttls -TimeoutSeconds 10 -ErrorAction SilentlyContinue
            $r.Success | Should -BeFalse
            $r.FailureKind | Should -Be 'StartTlsUnavailable'
            $r.Error | Should -Match 'does not offer STARTTLS'
        }
        finally { $cts.Cancel(); $server.Shutdown(); $null = $server.ShutdownTask.Wait(5000) }
    }
}
