<#
.SYNOPSIS
    Rule engine bench: lines per second of the OSSEC 3.2.0 ruleset (from ../shared) on a seeded 200,000-line synthetic
    syslog (sshd, sudo, su, dpkg, kernel, cron), single thread, as a ratio to a plain read+split pass and to the
    reference ossec-logtest rate; plus the memory of the loaded ruleset.
#>
param([string] $ModulePath, [string] $Configuration = 'Release', [int] $Lines = 200000, [int] $Rounds = 3)
$root = Split-Path $PSScriptRoot -Parent
& dotnet run -c $Configuration --project (Join-Path $root 'bench/Hids.Bench') -- rules $Lines $Rounds
if ($LASTEXITCODE -ne 0) { throw "rules bench failed ($LASTEXITCODE)" }
