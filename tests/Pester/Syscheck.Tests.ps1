BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest

    function New-SyscheckInstance([string] $Extra = '') {
        $root = New-HidsTestRoot 'hids-sc'
        $inst = Join-Path $root 'inst'
        $tree = Join-Path $root 'tree'
        New-Item -ItemType Directory -Force (Join-Path $inst 'etc'), $tree | Out-Null
        @"
<ossec_config>
  <syscheck>
    <frequency>79200</frequency>
    <alert_new_files>yes</alert_new_files>
    <directories report_changes="yes" realtime="yes" check_all="yes">$tree</directories>
    <ignore type="sregex">.tmp$</ignore>
    $Extra
  </syscheck>
</ossec_config>
"@ | Set-Content (Join-Path $inst 'etc/ossec.conf')
        [pscustomobject]@{ Root = $root; Instance = $inst; Tree = $tree }
    }
    $script:pwshArgs = @('-NoProfile', '-NonInteractive', '-File')
    # Run child pwsh processes directly (dotnet + pwsh.dll): `dotnet pwsh` goes through a shim process whose child
    # would survive a kill of the process we started.
    $script:dotnet = [Environment]::ProcessPath
    $script:pwshDll = [System.Reflection.Assembly]::GetEntryAssembly().Location
}

Describe 'Syscheck: Invoke-HidsScan and friends' {
    BeforeEach { $script:t = New-SyscheckInstance }
    AfterEach { Remove-Item $t.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'baselines, then returns a typed summary of changes' {
        Set-Content (Join-Path $t.Tree 'a.php') ''
        Set-Content (Join-Path $t.Tree 'b.txt') 'b'
        $s = Invoke-HidsScan -Instance $t.Instance
        $s | Should -BeOfType ([Hids.Engine.Syscheck.ScanSummary])
        $s.FirstBaseline | Should -BeTrue
        $s.Added | Should -Be 2
        Set-Content (Join-Path $t.Tree 'a.php') 'this is a php file'
        Remove-Item (Join-Path $t.Tree 'b.txt')
        Set-Content (Join-Path $t.Tree 'c.tmp') 'ignored'
        $s2 = Invoke-HidsScan -Instance $t.Instance
        $s2.Changed | Should -Be 1
        $s2.Deleted | Should -Be 1
        $s2.Added | Should -Be 0
        $s2.Duration | Should -BeOfType ([timespan])
        ($s2 | Format-Table | Out-String) | Should -Match 'Changed'
    }

    It 'Test-HidsChecksum takes Get-ChildItem output and reports Match/Changed/NotInBaseline' {
        Set-Content (Join-Path $t.Tree 'a') 'a'
        Set-Content (Join-Path $t.Tree 'b') 'b'
        Invoke-HidsScan -Instance $t.Instance | Out-Null
        Set-Content (Join-Path $t.Tree 'b') 'bb'
        Set-Content (Join-Path $t.Tree 'c') 'c'
        $r = Get-ChildItem $t.Tree | Test-HidsChecksum -Instance $t.Instance
        ($r | Where-Object { $_.Path -like '*/a' }).Status | Should -Be 'Match'
        $b = $r | Where-Object { $_.Path -like '*/b' }
        $b.Status | Should -Be 'Changed'
        $b.DifferingAttributes | Should -Contain 'sha256'
        ($r | Where-Object { $_.Path -like '*/c' }).Status | Should -Be 'NotInBaseline'
        $sha = (Get-FileHash (Join-Path $t.Tree 'a') -Algorithm SHA256).Hash
        (Test-HidsChecksum (Join-Path $t.Tree 'a') -Expected $sha -Algorithm Sha256).Status | Should -Be 'Match'
        (Test-HidsChecksum (Join-Path $t.Tree 'a') -Expected ('0' * 32) -Algorithm Md5).Status | Should -Be 'Changed'
    }

    It 'Update-HidsBaseline honours -WhatIf and accepts changes, Get-HidsFileHistory shows them' {
        $f = Join-Path $t.Tree 'pkg.conf'
        Set-Content $f 'v1'
        Invoke-HidsScan -Instance $t.Instance | Out-Null
        Set-Content $f 'v2'
        Update-HidsBaseline -Instance $t.Instance -Path $f -WhatIf
        (Test-HidsChecksum -Instance $t.Instance $f).Status | Should -Be 'Changed'
        Update-HidsBaseline -Instance $t.Instance -Path $f -Confirm:$false | Out-Null
        (Test-HidsChecksum -Instance $t.Instance $f).Status | Should -Be 'Match'
        Set-Content $f 'v3'
        Invoke-HidsScan -Instance $t.Instance | Out-Null
        $h = Get-HidsFileHistory -Instance $t.Instance -Path $f
        $h.Change | Should -Be @('Accepted', 'Modified')
        $h[-1].Diff | Should -Match '> v3'
        $h[-1].FullLog | Should -Match "Integrity checksum changed for: '.*pkg.conf'"
    }

    It 'rejects paths outside the configured directories with a stable error id' {
        Invoke-HidsScan -Instance $t.Instance -Path / -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -Match '^PathNotMonitored'
    }

    It 'Export-HidsIntegrityReport writes HTML with an SVG chart and JSON' {
        Set-Content (Join-Path $t.Tree 'a') 'a'
        Invoke-HidsScan -Instance $t.Instance | Out-Null
        Set-Content (Join-Path $t.Tree 'a') 'aa'
        Set-Content (Join-Path $t.Tree 'n') 'n'
        Invoke-HidsScan -Instance $t.Instance | Out-Null
        $html = Join-Path $t.Root 'r.html'
        $file = Export-HidsIntegrityReport -Instance $t.Instance -OutFile $html -Since (Get-Date).AddDays(-1) -PassThru
        $file.FullName | Should -Be $html
        $text = Get-Content $html -Raw
        $text | Should -Match '<svg'
        $text | Should -Match 'By directory'
        $json = Join-Path $t.Root 'r.json'
        Export-HidsIntegrityReport -Instance $t.Instance -OutFile $json -Format Json
        $j = Get-Content $json -Raw | ConvertFrom-Json
        $j.Totals.Modified | Should -Be 1
        $j.Totals.Added | Should -Be 1
    }

    It 'reports files it cannot read and finishes the scan (run without root powers in a user namespace)' -Skip:(-not (Get-Command unshare -ErrorAction SilentlyContinue)) {
        Set-Content (Join-Path $t.Tree 'ok') 'ok'
        $locked = Join-Path $t.Tree 'locked'
        Set-Content $locked 'secret'
        chmod 000 $locked
        $script = Join-Path $t.Root 'child.ps1'
        @"
Import-Module '$env:HIDS_TEST_MODULE'
`$s = Invoke-HidsScan -Instance '$($t.Instance)' -ErrorVariable e -ErrorAction SilentlyContinue
[pscustomobject]@{ Completed = `$s.Completed; Files = `$s.Files; Errors = @(`$e | ForEach-Object { `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category + '|' + `$_.TargetObject }) } | ConvertTo-Json -Compress
"@ | Set-Content $script
        $out = unshare --user $dotnet $pwshDll @pwshArgs $script 2>&1
        $r = ($out | Select-Object -Last 1) | ConvertFrom-Json
        $r.Completed | Should -BeTrue
        $r.Files | Should -Be 2
        ($r.Errors -join "`n") | Should -Match "HIDS3001.*PermissionDenied.*locked"
    }
}

Describe 'Syscheck: crash safety' {
    It 'survives kill -9 during a scan: the store opens clean and the next scan reports the right changes' {
        $t = New-SyscheckInstance
        try {
            # ~1000 files of 64 KiB: a forced re-hash in the child takes long enough to be killed in the middle.
            $blob = [byte[]]::new(65536)
            (New-Object Random 7).NextBytes($blob)
            foreach ($i in 0..999) {
                $d = Join-Path $t.Tree ("d{0}" -f ($i % 20)); if (-not (Test-Path $d)) { New-Item -ItemType Directory $d | Out-Null }
                $blob[0] = $i % 256; $blob[1] = [math]::Floor($i / 256)
                [IO.File]::WriteAllBytes((Join-Path $d "f$i.bin"), $blob)
            }
            (Invoke-HidsScan -Instance $t.Instance).Completed | Should -BeTrue
            $changed = Join-Path $t.Tree 'd5/f5.bin'
            [IO.File]::WriteAllBytes($changed, [byte[]](1..100))
            $new = Join-Path $t.Tree 'new.txt'
            Set-Content $new 'new'
            $script = Join-Path $t.Root 'child.ps1'
            "Import-Module '$env:HIDS_TEST_MODULE'; foreach (`$i in 1..100) { Invoke-HidsScan -Instance '$($t.Instance)' -Force | Out-Null }" | Set-Content $script
            $db = Join-Path $t.Instance 'queue/syscheck.db'
            # Kill the child while it is in the middle of a scan (an unfinished row in the scans table). A scan of this
            # tree is short on an idle machine, so the kill can land between two scans: then try again (5 times at most).
            $landed = $false
            for ($attempt = 1; $attempt -le 5 -and -not $landed; $attempt++) {
                $p = Start-Process $dotnet -ArgumentList (@($pwshDll) + $pwshArgs + $script) -PassThru
                $deadline = (Get-Date).AddSeconds(60)
                Start-Sleep -Milliseconds 1500
                while ((Get-Date) -lt $deadline -and [int](sqlite3 $db 'SELECT count(*) FROM scans WHERE complete=0;') -eq 0) { Start-Sleep -Milliseconds 5 }
                $p.HasExited | Should -BeFalse
                kill -9 $p.Id
                $p.WaitForExit()
                $p.ExitCode | Should -Be 137
                (sqlite3 $db 'PRAGMA integrity_check;') | Should -Be 'ok'
                $landed = [int](sqlite3 $db 'SELECT count(*) FROM scans WHERE complete=0;') -gt 0
            }
            $landed | Should -BeTrue -Because 'a kill landed during a scan'
            $s = Invoke-HidsScan -Instance $t.Instance
            $s.Completed | Should -BeTrue
            $s.Files | Should -Be 1001
            # Each change is recorded exactly once, whichever process recorded it.
            @(Get-HidsFileHistory -Instance $t.Instance -Path $changed | Where-Object Change -eq 'Modified').Count | Should -Be 1
            @(Get-HidsFileHistory -Instance $t.Instance -Path $new | Where-Object Change -eq 'Added').Count | Should -Be 1
            (sqlite3 $db 'SELECT count(*) FROM outbox;') | Should -Be '2'
            (sqlite3 $db 'SELECT count(*) FROM files;') | Should -Be '1001'
        }
        finally {
            if ($p -and -not $p.HasExited) { kill -9 $p.Id }
            Remove-Item $t.Root -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}
