# Shared helpers for the Pester suite. Every test imports the packaged module ($env:HIDS_TEST_MODULE)
# and works in its own temp instance; nothing touches the host's real files.

function Import-HidsUnderTest {
    if (-not $env:HIDS_TEST_MODULE) { throw 'HIDS_TEST_MODULE is not set; run through ./build.sh Test' }
    Import-Module $env:HIDS_TEST_MODULE -Global -ErrorAction Stop
}

function New-HidsTestRoot([string] $Name = 'hids') {
    $p = Join-Path ([IO.Path]::GetTempPath()) ("$Name-" + [guid]::NewGuid().ToString('n').Substring(0, 10))
    New-Item -ItemType Directory -Path $p | Out-Null
    $p
}

<#
.SYNOPSIS
    Makes an installed test instance harmless to the host before hidsd is started on it: active response writes a
    hosts.deny inside the instance and never touches the host firewall, no /var/log file of the host is tailed,
    and mail goes nowhere unless the test sets it up. Every test that starts the monitor calls this.
#>
function Protect-HidsTestInstance([Parameter(Mandatory)] [string] $Root, [switch] $KeepHostLogs) {
    $conf = Join-Path $Root 'etc/ossec.conf'
    $text = Get-Content $conf -Raw
    if (-not $KeepHostLogs) {
        # drop the <localfile> blocks that read the host's logs (command monitors stay)
        $text = [regex]::Replace($text, '(?s)[ \t]*<localfile>(?:(?!</localfile>).)*?<location>/var/log/(?:(?!</localfile>).)*?</localfile>[ \t]*\r?\n?', '')
    }
    if ($text -notmatch '<firewall_backend>') {
        $text = $text.TrimEnd() + @"

<!-- test instance: active response stays inside this folder -->
<ossec_config>
  <hids>
    <hosts_deny_path>$Root/hosts.deny</hosts_deny_path>
    <firewall_backend>none</firewall_backend>
  </hids>
</ossec_config>
"@
    }
    [IO.File]::WriteAllText($conf, $text + "`n")
}

<#
.SYNOPSIS
    Stops every hidsd whose instance is under the temp folder (left behind by a test that failed or was killed).
#>
function Stop-HidsTestMonitors {
    $tmp = [IO.Path]::GetTempPath().TrimEnd('/')
    foreach ($d in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$') {
        try { $cmd = [IO.File]::ReadAllText("/proc/$($d.Name)/cmdline") -split "`0" } catch { continue }
        $i = [array]::IndexOf($cmd, '--instance')
        if ($cmd -match 'hidsd' -and $i -ge 0 -and $i + 1 -lt $cmd.Count -and $cmd[$i + 1].StartsWith("$tmp/")) {
            Stop-Process -Id ([int]$d.Name) -Force -ErrorAction SilentlyContinue
        }
    }
}

Export-ModuleMember -Function *
