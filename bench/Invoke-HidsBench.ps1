<#
.SYNOPSIS
    Runs the benches: every bench/*.bench.ps1 (or those named by -Bench). Each prints its own measurements and
    the ratios the issues ask for; results are also appended to bench/results/<date>.txt.
#>
param([string] $ModulePath, [string[]] $Bench, [string] $Configuration = 'Release')
$ErrorActionPreference = 'Stop'
$results = Join-Path $PSScriptRoot 'results'
New-Item -ItemType Directory -Force $results | Out-Null
$log = Join-Path $results ((Get-Date -Format 'yyyyMMdd-HHmmss') + '.txt')
"machine: $(nproc) cores, $([math]::Round((Get-Content /proc/meminfo -TotalCount 1).Split()[-2]/1MB,1)) GiB, $((Get-Content /proc/cpuinfo | Select-String 'model name' | Select-Object -First 1).Line.Split(':')[1].Trim())" | Tee-Object -FilePath $log
$scripts = Get-ChildItem $PSScriptRoot -Filter '*.bench.ps1' | Sort-Object Name
if ($Bench) { $scripts = $scripts | Where-Object { $_.BaseName -replace '\.bench$' -in $Bench } }
$failed = 0
foreach ($s in $scripts) {
    "== $($s.BaseName -replace '\.bench$')" | Tee-Object -FilePath $log -Append
    try { & $s.FullName -ModulePath $ModulePath -Configuration $Configuration 2>&1 | Tee-Object -FilePath $log -Append }
    catch { $failed++; "bench failed: $_" | Tee-Object -FilePath $log -Append }
}
"results written to $log"
