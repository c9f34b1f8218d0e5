#requires -Version 7.4
<#
.SYNOPSIS
    Every task of the Hids build: Deps, Build, Package, Test, Bench, Demo, Clean.
.EXAMPLE
    ./build.sh Test          # what CI runs
.EXAMPLE
    ./build.sh Demo -Path /tmp/hids-demo
#>
[CmdletBinding()]
param(
    [ValidateSet('Deps', 'Build', 'Package', 'Test', 'UnitTest', 'Pester', 'Bench', 'Demo', 'Clean')]
    [string] $Task = 'Build',
    [string] $Configuration = 'Release',
    # Demo: where the instance goes (default: a new temp folder)
    [string] $Path,
    # Demo: how long the monitor runs in the foreground (seconds; 0 = until Ctrl+C)
    [int] $Seconds = 0,
    # Test: a filter passed to dotnet test (--filter) and Pester (-FullNameFilter)
    [string] $Filter,
    # Bench: which benches (all by default)
    [string[]] $Bench
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'Hids'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') exited with $LASTEXITCODE" }
}

function Install-Deps {
    # Debian packages the tests and benches use: a real rsyslog, nftables/iptables and iproute2 for
    # network-namespace tests, aide for the integrity bench, procps/net-tools for command monitoring; a C tool chain
    # (gcc) links the Native AOT hidsd.
    $need = @{ gcc = 'gcc'; rsyslogd = 'rsyslog'; nft = 'nftables'; iptables = 'iptables'; ip = 'iproute2'; aide = 'aide'; netstat = 'net-tools'; ss = 'iproute2'; sqlite3 = 'sqlite3'; ipset = 'ipset' }
    $missing = @($need.GetEnumerator() | Where-Object { -not (Get-Command $_.Key -ErrorAction SilentlyContinue) -and -not (Test-Path "/usr/sbin/$($_.Key)") } | ForEach-Object Value | Sort-Object -Unique)
    if ($missing.Count -gt 0) {
        $sudo = if ((id -u) -ne '0') { @('sudo') } else { @() }
        Write-Host "Installing Debian packages: $($missing -join ', ')"
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & @sudo apt-get update -qq | Out-Null
        & @sudo apt-get install -y -qq --no-install-recommends --no-remove @missing | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed" }
    }
    # Pester comes from NuGet (tools/Pester.Restore); the PowerShell Gallery is not needed.
    Invoke-Native dotnet @('restore', (Join-Path $root 'tools/Pester.Restore/Pester.Restore.csproj'), '-v', 'q')
}

function Get-PesterManifest {
    $gp = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $manifest = Join-Path $gp.Trim() 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester not found at $manifest; run ./build.sh Deps" }
    $manifest
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'Hids.sln'), '-c', $Configuration, '-v', 'q', '-nologo', '-clp:NoSummary;ErrorsOnly')
}

function Invoke-Package {
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    # Framework-dependent, linux-x64: native SQLite (libe_sqlite3.so) lands beside the dlls where pwsh finds it.
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/Hids.PowerShell/Hids.PowerShell.csproj'), '-c', $Configuration,
        '-r', 'linux-x64', '--self-contained', 'false', '-o', $moduleOut, '-v', 'q', '-nologo')
    # hidsd, the monitor: the managed hidsd.dll (ReadyToRun; for CPUs older than x86-64-v3), then the Native AOT
    # executable hidsd (x86-64-v3: no JIT, a third of the idle memory; docs/monitor.md). The launcher picks by CPU.
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/Hids.Daemon/Hids.Daemon.csproj'), '-c', $Configuration,
        '-r', 'linux-x64', '--self-contained', 'false', '-p:UseAppHost=false', '-o', $moduleOut, '-v', 'q', '-nologo')
    $aotOut = Join-Path $out 'hidsd-aot'
    if (Test-Path $aotOut) { Remove-Item $aotOut -Recurse -Force }
    & dotnet publish (Join-Path $root 'src/Hids.Daemon/Hids.Daemon.csproj') -c $Configuration -r linux-x64 -p:PublishAot=true `
        -o $aotOut -v q -nologo | Out-Host
    if ($LASTEXITCODE -eq 0 -and (Test-Path (Join-Path $aotOut 'hidsd'))) {
        Copy-Item (Join-Path $aotOut 'hidsd') $moduleOut
    } else {
        Write-Warning 'Native AOT publish of hidsd failed (is gcc installed? ./build.sh Deps); the package has only the managed hidsd.dll.'
    }
    Get-ChildItem $moduleOut -Filter '*.pdb' | Remove-Item
    Copy-Item (Join-Path $root 'module/*') $moduleOut -Recurse -Force
    Copy-Item (Join-Path $root 'rules') (Join-Path $moduleOut 'rules') -Recurse -Force
    # Offline help (MAML) generated from docs/help/*.md and the cmdlets' own metadata.
    & (Join-Path $root 'tools/New-HidsHelp.ps1') -ModulePath (Join-Path $moduleOut 'Hids.psd1') -HelpSource (Join-Path $root 'docs/help')
    Write-Host "Module packaged at $moduleOut"
}

function Get-TrxCounts([string] $dir) {
    $t = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($f in Get-ChildItem $dir -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        [xml] $x = Get-Content $f.FullName -Raw
        $c = $x.TestRun.ResultSummary.Counters
        $t.Passed += [int]$c.passed
        $t.Failed += [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        $t.Skipped += [int]$c.notExecuted
    }
    $t
}

function Invoke-UnitTests {
    $results = Join-Path $out 'test-results/xunit'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $a = @('test', (Join-Path $root 'tests/Hids.Engine.Tests/Hids.Engine.Tests.csproj'), '-c', $Configuration, '--logger', 'trx',
        '--logger', 'console;verbosity=minimal', '--results-directory', $results, '-nologo', '--blame-hang-timeout', '5m')
    if ($Filter) { $a += @('--filter', $Filter) }
    & dotnet @a | Out-Host
    $code = $LASTEXITCODE
    $c = Get-TrxCounts $results
    if ($code -ne 0 -and $c.Failed -eq 0) { $c.Failed = 1; Write-Warning "dotnet test exited with $code (build error, crash or hang)" }
    $c
}

function Invoke-PesterTests {
    $resultFile = Join-Path $out 'test-results/pester.json'
    New-Item -ItemType Directory -Force (Split-Path $resultFile) | Out-Null
    Remove-Item $resultFile -ErrorAction SilentlyContinue
    $pester = Get-PesterManifest
    # A fresh pwsh loads the packaged module exactly as users do.
    $a = @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/Pester/Invoke-HidsPester.ps1'),
        '-PesterManifest', $pester, '-ModulePath', (Join-Path $moduleOut 'Hids.psd1'), '-ResultFile', $resultFile)
    if ($Filter) { $a += @('-Filter', $Filter) }
    & dotnet @a | Out-Host
    $code = $LASTEXITCODE
    if (Test-Path $resultFile) { $r = Get-Content $resultFile -Raw | ConvertFrom-Json }
    else { $r = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }; Write-Warning "Pester run produced no results (exit $code)" }
    if ($code -ne 0 -and $r.Failed -eq 0) { $r.Failed = 1 }
    $r
}

switch ($Task) {
    'Deps' { Install-Deps }
    'Build' { Invoke-Build }
    'Package' { Invoke-Package }
    'Clean' { if (Test-Path $out) { Remove-Item $out -Recurse -Force }; Invoke-Native dotnet @('clean', (Join-Path $root 'Hids.sln'), '-v', 'q') }
    { $_ -in 'Test', 'UnitTest', 'Pester' } {
        $env:NO_COLOR = '1'
        Install-Deps
        $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        if ($Task -ne 'Pester') {
            $u = Invoke-UnitTests
            $totals.Passed += $u.Passed; $totals.Failed += $u.Failed; $totals.Skipped += $u.Skipped
            Write-Host "xunit: $($u.Passed) passed, $($u.Failed) failed, $($u.Skipped) skipped"
        }
        if ($Task -ne 'UnitTest') {
            try { Invoke-Package; $p = Invoke-PesterTests }
            catch { Write-Warning "Packaging or Pester failed: $_"; $p = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
            $totals.Passed += $p.Passed; $totals.Failed += $p.Failed; $totals.Skipped += $p.Skipped
            Write-Host "Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
        }
        Write-Host "Test time: $([int]$sw.Elapsed.TotalSeconds) s"
        Write-Host "$($totals.Passed) passed, $($totals.Failed) failed, $($totals.Skipped) skipped"
        exit ([int]($totals.Failed -gt 0))
    }
    'Bench' {
        Install-Deps
        Invoke-Package
        $names = @($Bench | ForEach-Object { $_ -split ',' } | Where-Object { $_ })   # ./build.sh Bench -Bench rules,syscheck
        & (Join-Path $root 'bench/Invoke-HidsBench.ps1') -ModulePath (Join-Path $moduleOut 'Hids.psd1') -Bench $names -Configuration $Configuration
    }
    'Demo' {
        Invoke-Package
        & (Join-Path $root 'tools/Start-HidsDemo.ps1') -ModulePath (Join-Path $moduleOut 'Hids.psd1') -Path $Path -Seconds $Seconds
    }
}
