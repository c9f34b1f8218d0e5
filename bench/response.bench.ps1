<#
.SYNOPSIS
    Active response bench: 10,000 blocked addresses in one nftables set (time to add; the rule count stays
    constant), blocks through the responder, blocking latency from an alert to the drop element (< 1 s), and the
    iptables rule-per-address reference measured in the same run. Runs inside a network namespace it creates.
#>
param([string] $ModulePath, [string] $Configuration = 'Release')
$ErrorActionPreference = 'Stop'
$project = Join-Path $PSScriptRoot 'Hids.Bench/Hids.Bench.csproj'
& dotnet run --project $project -c $Configuration -v q -- response
if ($LASTEXITCODE -ne 0) { throw "response bench missed its targets (exit $LASTEXITCODE)" }
