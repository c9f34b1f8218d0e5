<#
.SYNOPSIS
    Matchers bench: os_match, os_regex (with and without captures) and PCRE2 matches per second on synthetic
    sshd/sudo/pam lines, with .NET's compiled Regex on equivalent patterns as the in-run reference.
#>
param([string] $ModulePath, [string] $Configuration = 'Release')
$root = Split-Path $PSScriptRoot -Parent
& dotnet run -c $Configuration --project (Join-Path $root 'bench/Hids.Bench') -- matchers 20000 5
if ($LASTEXITCODE -ne 0) { throw "matchers bench failed ($LASTEXITCODE)" }
