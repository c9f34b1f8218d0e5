BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest

    # A fake system root with planted artifacts, and an instance whose <rootcheck> points at nothing special.
    function New-RootcheckTree {
        $root = New-HidsTestRoot 'hids-rc'
        $sys = Join-Path $root 'sys'
        $inst = Join-Path $root 'inst'
        foreach ($d in 'bin', 'usr/bin', 'usr/src/.puta', 'etc', 'dev/.lib', 'sys/class/net/eth0', 'var/lib/dpkg/info') {
            New-Item -ItemType Directory -Force (Join-Path $sys $d) | Out-Null
        }
        New-Item -ItemType Directory -Force (Join-Path $inst 'etc') | Out-Null
        Set-Content (Join-Path $sys 'etc/passwd') 'root:x:0:0:root:/root:/bin/bash'
        Set-Content (Join-Path $sys 'etc/group') 'root:x:0:'
        Set-Content (Join-Path $sys 'dev/.lib/1iOn.sh') '#!/bin/sh'
        Set-Content (Join-Path $sys 'sys/class/net/eth0/flags') '0x1103'
        # a "binary" carrying a trojan string between NULs
        $bytes = [byte[]](0x7f, 0x45, 0x4c, 0x46, 0) + [Text.Encoding]::ASCII.GetBytes('/usr/include/file.h') + [byte[]](0, 1, 2)
        [IO.File]::WriteAllBytes((Join-Path $sys 'bin/ls'), $bytes)
        $suid = Join-Path $sys 'usr/bin/rootshell'
        Set-Content $suid 'x'
        [IO.File]::SetUnixFileMode($suid, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute, SetUser')
        @"
<ossec_config>
  <rootcheck>
    <disabled>no</disabled>
    <check_pids>no</check_pids>
    <check_ports>no</check_ports>
    <ignore>/etc/ignored</ignore>
  </rootcheck>
</ossec_config>
"@ | Set-Content (Join-Path $inst 'etc/ossec.conf')
        [pscustomobject]@{ Root = $root; Sys = $sys; Instance = $inst }
    }
}

Describe 'Rootcheck: Invoke-HidsRootcheck' {
    BeforeEach { $script:t = New-RootcheckTree }
    AfterEach { Remove-Item $t.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'finds every planted artifact and returns typed findings' {
        $f = Invoke-HidsRootcheck -Instance $t.Instance -BasePath $t.Sys
        $f | Should -Not -BeNullOrEmpty
        $f | ForEach-Object { $_ | Should -BeOfType ([Hids.Engine.Rootcheck.RootcheckFinding]) }
        ($f | Where-Object Check -eq 'Files').Path | Should -Contain '/usr/src/.puta'
        ($f | Where-Object Check -eq 'Trojans').Path | Should -Contain '/bin/ls'
        ($f | Where-Object Check -eq 'Dev').Path | Should -Contain '/dev/.lib/1iOn.sh'
        ($f | Where-Object Check -eq 'Interfaces').Interface | Should -Contain 'eth0'
        ($f | Where-Object { $_.Check -eq 'Sys' -and $_.Path -eq '/usr/bin/rootshell' }).Message | Should -Match "^File '/usr/bin/rootshell' is: "
        $f | Where-Object Check -in 'Pids', 'Ports' | Should -BeNullOrEmpty
        $puta = $f | Where-Object Path -eq '/usr/src/.puta'
        $puta.Severity | Should -Be 'High'
        $puta.Message | Should -Be "Rootkit 'T0rn rootkit' detected by the presence of file '/usr/src/.puta'."
        $puta.Recommendation | Should -Not -BeNullOrEmpty
    }

    It 'runs only the checks given with -Check and shows progress' {
        $f = Invoke-HidsRootcheck -Instance $t.Instance -BasePath $t.Sys -Check Dev, Interfaces -Verbose 4>&1
        $findings = $f | Where-Object { $_ -is [Hids.Engine.Rootcheck.RootcheckFinding] }
        ($findings.Check | Sort-Object -Unique) | Should -Be @('Dev', 'Interfaces')
        ($f | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'Dev, Interfaces'
    }

    It 'uses a given database and reports bad lines as warnings with file:line' {
        $db = Join-Path $t.Root 'files.txt'
        "etc/passwd ! Not really a rootkit`nthis line is broken" | Set-Content $db
        $f = Invoke-HidsRootcheck -Instance $t.Instance -BasePath $t.Sys -Check Files -RootkitFiles $db -WarningVariable w -WarningAction SilentlyContinue
        $f.Message | Should -Be "Rootkit 'Not really a rootkit' detected by the presence of file '/etc/passwd'."
        ($w -join "`n") | Should -Match 'files.txt:2:1: warning HIDS7001'
    }

    It 'gives clear errors for a missing base path or database' {
        Invoke-HidsRootcheck -Instance $t.Instance -BasePath (Join-Path $t.Root 'nope') -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Match '^BasePathNotFound'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Invoke-HidsRootcheck -Instance $t.Instance -BasePath $t.Sys -RootkitTrojans (Join-Path $t.Root 'none.txt') -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e2[0].FullyQualifiedErrorId | Should -Match '^DatabaseNotFound'
    }

    It 'formats as a table and converts to JSON' {
        $f = Invoke-HidsRootcheck -Instance $t.Instance -BasePath $t.Sys -Check Files
        ($f | Format-Table | Out-String) | Should -Match 'Severity\s+Check\s+Target\s+Message'
        $json = $f | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $json.Message | Should -Contain "Rootkit 'T0rn rootkit' detected by the presence of file '/usr/src/.puta'."
        $json.Count | Should -Be @($f).Count
    }

    It 'has help for every parameter' {
        $h = Get-Help Invoke-HidsRootcheck -Full
        $h.Synopsis | Should -Match 'rootkit'
        foreach ($p in 'BasePath', 'Check', 'RootkitFiles', 'RootkitTrojans', 'Instance') {
            ($h.parameters.parameter | Where-Object name -eq $p).description | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'Rootcheck: this machine' {
    It 'a run on the live system reports no rootkit, trojan or hidden process' {
        $f = Invoke-HidsRootcheck -Check Files, Trojans, Pids -Instance (New-HidsTestRoot 'hids-rc-none')
        $f | Where-Object Severity -eq 'High' | Should -BeNullOrEmpty
    }
}
