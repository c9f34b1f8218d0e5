<#
.SYNOPSIS
    Alert store bench: 1,000,000 generated alerts in a temp store, then the filtered queries Get-HidsAlert runs
    (target: each under 100 ms), with a full-scan reference measured in the same run.
#>
param([string] $ModulePath, [string] $Configuration = 'Release', [int] $Count = 1000000)
$ErrorActionPreference = 'Stop'
$project = Join-Path $PSScriptRoot 'Hids.Bench/Hids.Bench.csproj'
& dotnet run -c $Configuration --project $project -- alerts $Count
if ($LASTEXITCODE -ne 0) { throw "alerts bench: some queries missed the 100 ms target (exit $LASTEXITCODE)" }
