# Lifecycle of the monitor against the packaged module: hidsd started detached, status, refusal of a second start,
# stale pid files, graceful stop, configuration errors. Every test uses its own temp instance.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest
    $script:haveInstall = [bool](Get-Command Install-Hids -Module Hids -ErrorAction SilentlyContinue)
}

Describe 'Monitor: lifecycle' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-HidsUnderTest
        function script:New-QuietInstance {
            $r = New-HidsTestRoot 'mon'
            Install-Hids -Path $r -Type Local -EmailTo 'root@localhost' | Out-Null
            Protect-HidsTestInstance -Root $r
            # only the instance's own folders: no scan of the host, no rootkit checks, no e-mail
            Get-HidsDirectory -Instance $r | Remove-HidsDirectory -Instance $r -Confirm:$false
            $conf = Join-Path $r 'etc/ossec.conf'
            $x = (Get-Content $conf -Raw) -replace '<rootcheck>', "<rootcheck>`n    <disabled>yes</disabled>" -replace '<email_notification>yes</email_notification>', '<email_notification>no</email_notification>'
            Set-Content $conf $x -NoNewline
            $r
        }
    }

    It 'reports NotRunning for an instance that was never started' -Skip:(-not $haveInstall) {
        $r = New-QuietInstance
        try {
            $st = Get-HidsStatus -Instance $r
            $st | Should -BeOfType ([Hids.Engine.Monitor.MonitorStatus])
            $st.Running | Should -BeFalse
            $st.State | Should -Be 'NotRunning'
        } finally { Remove-Item $r -Recurse -Force }
    }

    It 'starts detached, refuses a second start, reports status, stops gracefully' -Skip:(-not $haveInstall) {
        $r = New-QuietInstance
        $log = Join-Path $r 'late.log'
        Add-HidsLogFile -Instance $r -Path $log -LogFormat syslog
        try {
            $st = Start-HidsMonitor -Instance $r
            $st.Running | Should -BeTrue
            $st.State | Should -Be 'Running'
            $daemonPid = $st.Pid
            [int](Get-Content (Join-Path $r 'var/run/hidsd.pid')) | Should -Be $daemonPid
            # its own session: it outlives this pwsh and Ctrl+C here does not reach it
            $sid = (Get-Content "/proc/$daemonPid/stat").Split(')')[1].Trim().Split(' ')[3]
            $sid | Should -Be "$daemonPid"

            Start-HidsMonitor -Instance $r -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e[0].FullyQualifiedErrorId | Should -BeLike 'MonitorAlreadyRunning*'

            Set-Content $log 'a line written after the start'
            $deadline = (Get-Date).AddSeconds(30)
            do { Start-Sleep 1; $s = Get-HidsStatus -Instance $r; $f = $s.Files | Where-Object Path -eq $log } while ((Get-Date) -lt $deadline -and $f.Position -lt 10)
            $f.State | Should -Be 'Open'
            $f.Position | Should -Be (Get-Item $log).Length
            $s.Uptime | Should -BeGreaterThan ([TimeSpan]::Zero)
            $s.Version | Should -Not -BeNullOrEmpty
            $s.EventsReceived | Should -BeGreaterOrEqual 2    # the start event and the line
            ($s | ConvertTo-Json -Depth 5 | ConvertFrom-Json).Pid | Should -Be $daemonPid

            $stopped = Stop-HidsMonitor -Instance $r
            $stopped.Running | Should -BeFalse
            Test-Path "/proc/$daemonPid" | Should -BeFalse
            Test-Path (Join-Path $r 'var/run/hidsd.pid') | Should -BeFalse
            Get-Content (Join-Path $r 'logs/ossec.log') -Raw | Should -Match 'hids-monitord: INFO: Stopped'
            Test-Path (Join-Path $r 'queue/logcollector.positions.json') | Should -BeTrue
        } finally {
            Stop-HidsMonitor -Instance $r -Force -TimeoutSeconds 20 -ErrorAction SilentlyContinue | Out-Null
            Remove-Item $r -Recurse -Force
        }
    }

    It 'detects a stale pid file (a live pid that is not hidsd): Get-HidsStatus reports it, Stop-HidsMonitor cleans it' -Skip:(-not $haveInstall) {
        $r = New-QuietInstance
        try {
            New-Item -ItemType Directory -Force (Join-Path $r 'var/run') | Out-Null
            Set-Content (Join-Path $r 'var/run/hidsd.pid') "$PID"
            $st = Get-HidsStatus -Instance $r -WarningVariable w -WarningAction SilentlyContinue
            $st.Running | Should -BeFalse
            $st.State | Should -Be 'Crashed'
            $st.StalePid | Should -Be $PID
            "$w" | Should -Match 'did not stop cleanly'
            Test-Path (Join-Path $r 'var/run/hidsd.pid') | Should -BeTrue -Because 'Get-HidsStatus only reads'
            Stop-HidsMonitor -Instance $r -WarningVariable w2 -WarningAction SilentlyContinue | Out-Null
            "$w2" | Should -Match 'stale pid file'
            Test-Path (Join-Path $r 'var/run/hidsd.pid') | Should -BeFalse
        } finally { Remove-Item $r -Recurse -Force }
    }

    It 'does not start on a configuration error and says where it is' -Skip:(-not $haveInstall) {
        $r = New-QuietInstance
        try {
            $conf = Join-Path $r 'etc/ossec.conf'
            (Get-Content $conf -Raw) -replace '<frequency>79200</frequency>', '<frequency>abc</frequency>' | Set-Content $conf -NoNewline
            Start-HidsMonitor -Instance $r -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e.Count | Should -BeGreaterThan 0
            ($e | ForEach-Object FullyQualifiedErrorId) -like 'InvalidConfiguration*' | Should -Not -BeNullOrEmpty
            "$e" | Should -Match 'ossec\.conf:\d+:\d+'
            (Get-HidsStatus -Instance $r).Running | Should -BeFalse
        } finally { Remove-Item $r -Recurse -Force }
    }

    It 'honours -WhatIf' -Skip:(-not $haveInstall) {
        $r = New-QuietInstance
        try {
            Start-HidsMonitor -Instance $r -WhatIf | Should -BeNullOrEmpty
            (Get-HidsStatus -Instance $r).Running | Should -BeFalse
        } finally { Remove-Item $r -Recurse -Force }
    }
}

Describe 'Monitor: the packaged hidsd' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-HidsUnderTest
        $script:moduleDir = Split-Path (Get-Module Hids).Path
        Add-Type -Path (Join-Path $moduleDir 'Hids.Engine.dll')
    }
    It 'is a Native AOT executable (megabytes of ELF, no runtime files of its own) that prints its usage' {
        $exe = Join-Path $moduleDir 'hidsd'
        Test-Path $exe | Should -BeTrue -Because 'build.ps1 Package warns when the Native AOT publish fails'
        [IO.File]::ReadAllBytes($exe)[0..3] | Should -Be @(0x7f, 0x45, 0x4c, 0x46)
        (Get-Item $exe).Length | Should -BeGreaterThan 5MB     # a dotnet apphost is ~70 KB
        if ([Hids.Engine.Monitor.MonitorLauncher]::CpuRunsNativeHidsd()) {
            $o = & $exe --help 2>&1
            "$o" | Should -Match 'usage: hidsd'
        }
    }

    It 'runs where the CPU can (x86-64-v3), else the managed hidsd.dll shipped beside it' {
        Test-Path (Join-Path $moduleDir 'hidsd.dll') | Should -BeTrue
        $cmd = [Hids.Engine.Monitor.MonitorLauncher]::HidsdCommand($moduleDir)
        if ([Hids.Engine.Monitor.MonitorLauncher]::CpuRunsNativeHidsd()) { $cmd | Should -Be @((Join-Path $moduleDir 'hidsd')) }
        else { $cmd[1] | Should -Be (Join-Path $moduleDir 'hidsd.dll') }
        # The managed fallback really runs: it validates an instance's configuration and rules through the dotnet host.
        $r = New-HidsTestRoot 'fallback'
        try {
            Install-Hids -Path (Join-Path $r 'inst') -Type Local | Out-Null
            $o = & dotnet (Join-Path $moduleDir 'hidsd.dll') --instance (Join-Path $r 'inst') --test 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$o"
        } finally { Remove-Item $r -Recurse -Force }
    }
}

Describe 'Monitor: systemd unit' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-HidsUnderTest
    }
    It 'Install-Hids -Service -UnitPath writes a hardened Type=notify unit that systemd-analyze accepts' {
        $r = New-HidsTestRoot 'unit'
        try {
            $unit = Join-Path $r 'hids.service'
            $out = Install-Hids -Path (Join-Path $r 'inst') -Type Local -Service -UnitPath $unit
            $svc = $out | Where-Object { $_ -is [Hids.Engine.Monitor.ServiceInstallResult] }
            $svc.UnitPath | Should -Be $unit
            $svc.Enabled | Should -BeFalse     # not in a systemd folder: never enabled
            $text = Get-Content $unit -Raw
            $text | Should -Match '(?m)^Type=notify$'
            $text | Should -Match '(?m)^Restart=on-failure$'
            # Where the CPU runs it, the unit starts the Native AOT hidsd directly, without the dotnet host.
            $md = Split-Path (Get-Module Hids).Path
            Add-Type -Path (Join-Path $md 'Hids.Engine.dll')
            $run = if ([Hids.Engine.Monitor.MonitorLauncher]::CpuRunsNativeHidsd()) { '"' + [regex]::Escape((Join-Path $md 'hidsd')) + '"' }
                   else { '"[^"]+" "' + [regex]::Escape((Join-Path $md 'hidsd.dll')) + '"' }
            $text | Should -Match ('(?m)^ExecStart=' + $run + ' --instance "' + [regex]::Escape((Join-Path $r 'inst')) + '" --foreground$')
            $text | Should -Match ('(?m)^ReadWritePaths="' + [regex]::Escape((Join-Path $r 'inst')) + '"')
            $text | Should -Match '(?m)^CapabilityBoundingSet=.*CAP_DAC_READ_SEARCH.*CAP_NET_ADMIN'
            $text | Should -Match '(?m)^NoNewPrivileges=yes$'
            if (Get-Command systemd-analyze -ErrorAction SilentlyContinue) {
                $o = & systemd-analyze verify $unit 2>&1
                $LASTEXITCODE | Should -Be 0 -Because "$o"
            }
            # idempotent
            Install-Hids -Path (Join-Path $r 'inst') -Service -UnitPath $unit | Where-Object { $_ -is [Hids.Engine.Monitor.ServiceInstallResult] } | ForEach-Object Changed | Should -BeFalse
        } finally { Remove-Item $r -Recurse -Force }
    }
}
