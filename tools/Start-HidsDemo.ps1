<#
.SYNOPSIS
    The README's first command (./build.sh Demo [-Path <folder>] [-Seconds N]): installs an instance from the packaged
    module, validates and shows its configuration, watches a temp web folder in realtime, starts the monitor, makes a
    few changes and shows the alerts they raise, then runs until Ctrl+C (or -Seconds) and stops cleanly.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $Path,
    [int] $Seconds = 0,
    # internal: run in this process (build.ps1 calls the script, which re-runs itself in a fresh pwsh)
    [switch] $InProcess
)
$ErrorActionPreference = 'Stop'
if (-not $InProcess) {
    # A fresh pwsh loads the packaged module exactly as a user does.
    $a = @('pwsh', '-NoProfile', '-File', $PSCommandPath, '-ModulePath', $ModulePath, '-Seconds', $Seconds, '-InProcess')
    if ($Path) { $a += @('-Path', $Path) }
    & dotnet @a
    exit $LASTEXITCODE
}

function Step([string] $text) { Write-Host "`n== $text" -ForegroundColor Cyan }
Import-Module $ModulePath
$temp = -not $Path
if ($temp) { $Path = Join-Path ([IO.Path]::GetTempPath()) ("hids-demo-" + [guid]::NewGuid().ToString('n').Substring(0, 8)) }
$Path = [IO.Path]::GetFullPath($Path)
# The demo's instance is new and contained (its own hosts.deny, no firewall): an existing one could block hosts.
if (Test-Path (Join-Path $Path 'etc/ossec.conf')) { throw "The demo installs a new instance; '$Path' already holds one. Give -Path a new folder." }
# the watched web folder lives beside the instance: syscheck ignores the instance's own folders
$www = $Path.TrimEnd('/') + '-www'
$dpkg = Join-Path $Path 'demo-dpkg.log'

try {
    Step "Install-Hids -Path $Path -Type Local -ContainActiveResponse"
    Install-Hids -Path $Path -Type Local -EmailTo 'root@localhost' -ContainActiveResponse | Out-Host

    Step 'Test-HidsConfiguration'
    $diag = @(Test-HidsConfiguration -Instance $Path)
    if ($diag.Count) { $diag | Out-Host } else { Write-Host 'configuration is valid' }

    Step 'Get-HidsConfiguration (summary)'
    $c = Get-HidsConfiguration -Instance $Path
    [pscustomobject]@{
        EmailTo = $c.Global.EmailTo -join ', '; SmtpServer = $c.Global.SmtpServer; SyscheckFrequency = $c.Syscheck.Frequency
        Directories = ($c.Syscheck.Directories.Path -join ', '); LogFiles = @($c.LocalFiles).Count; ActiveResponses = @($c.ActiveResponses).Count
    } | Format-List | Out-Host

    Step "Add-HidsDirectory $www -Realtime -ReportChanges; Set-HidsSyscheck -AlertNewFiles; Set-HidsRule -Id 554 -Level 7"
    New-Item -ItemType Directory -Force $www | Out-Null
    Set-Content $dpkg '2015-01-30 09:00:00 startup archives unpack'
    Add-HidsDirectory -Instance $Path -Path $www -Realtime -ReportChanges | Out-Null
    Set-HidsSyscheck -Instance $Path -AlertNewFiles | Out-Null
    Set-HidsRule -Instance $Path -Id 554 -Level 7 | Out-Null
    Add-HidsLogFile -Instance $Path -Path $dpkg -LogFormat syslog | Out-Null
    # the demo scans only its own folder (the default /etc, /usr/bin, ... scan takes minutes)
    Get-HidsDirectory -Instance $Path | Where-Object Path -ne $www | Remove-HidsDirectory -Instance $Path -Confirm:$false

    Step 'Start-HidsMonitor'
    Start-HidsMonitor -Instance $Path | Out-Host
    Start-Sleep -Seconds 3

    Step "touch, change, delete $www/index.php; append a dpkg 'status installed' line"
    Set-Content (Join-Path $www 'index.php') '<?php echo "hello"; ?>'
    Start-Sleep -Seconds 2
    Add-Content (Join-Path $www 'index.php') '<?php echo "changed"; ?>'
    Start-Sleep -Seconds 2
    Remove-Item (Join-Path $www 'index.php')
    Add-Content $dpkg "$(Get-Date -Format 'yyyy-MM-dd HH:mm:ss') status installed nginx-common:all 1.2.1-2.2+wheezy3"
    Start-Sleep -Seconds 5

    Step 'Get-HidsAlert'
    if (Get-Command Get-HidsAlert -Module Hids -ErrorAction SilentlyContinue) { Get-HidsAlert -Instance $Path | Out-Host }
    else { Write-Host '(Get-HidsAlert is not in this build; alerts.log:)'; Get-Content (Join-Path $Path 'logs/alerts/alerts.log') -ErrorAction SilentlyContinue | Out-Host }

    Step 'Get-HidsStatus'
    Get-HidsStatus -Instance $Path | Out-Host

    if ($Seconds -gt 0) { Step "monitoring for $Seconds s"; Start-Sleep -Seconds $Seconds }
    else {
        Step 'monitoring; press Ctrl+C to stop'
        while ($true) { Start-Sleep -Seconds 1 }
    }
}
finally {
    # runs on Ctrl+C too
    Step 'Stop-HidsMonitor'
    Stop-HidsMonitor -Instance $Path -Force | Out-Host
    Write-Host "Instance kept at $Path (operational log: $Path/logs/ossec.log; watched folder $www)"
}
