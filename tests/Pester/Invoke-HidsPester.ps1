<#
.SYNOPSIS
    Runs every tests/Pester/*.Tests.ps1 against the packaged module (in this fresh pwsh) and writes the totals.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultFile,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$env:HIDS_TEST_MODULE = (Resolve-Path $ModulePath).Path
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.Output.RenderMode = 'Plaintext'
if ($Filter) { $config.Filter.FullName = "*$Filter*" }
try { $result = Invoke-Pester -Configuration $config }
finally {
    # A monitor started by a test runs detached; whatever a failed or interrupted test left running stops here.
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Stop-HidsTestMonitors
}
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content $ResultFile
exit ([int]($result.Result -ne 'Passed' -and $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount -gt 0))
