<#
.SYNOPSIS
    Syscheck bench: Hids vs aide --init/--check and sha256sum on seeded trees under /tmp (~50,000 files / ~2 GiB and
    ~10,000 files / ~100 MiB), measured in the same run; prints times and ratios. Takes a few minutes.
    aide comes from Debian (build.ps1 Install-Deps); its configuration lives in the temp folder, /etc/aide is not used.
#>
param([string] $ModulePath, [string] $Configuration = 'Release', [string[]] $BenchArgs = @())
$ErrorActionPreference = 'Stop'
if (-not (Get-Command aide -ErrorAction SilentlyContinue) -and -not (Test-Path /usr/bin/aide)) { throw 'aide is not installed (apt-get install aide)' }
$proj = Join-Path $PSScriptRoot 'Hids.Bench/Hids.Bench.csproj'
& dotnet run -c $Configuration --project $proj -- syscheck @BenchArgs
if ($LASTEXITCODE -ne 0) { Write-Warning "syscheck bench: some targets were not met (exit $LASTEXITCODE)" }
