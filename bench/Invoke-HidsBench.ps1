param([string] $ModulePath, [string[]] $Bench, [string] $Configuration = 'Release')
$ErrorActionPreference = 'Stop'
Write-Host "No benches yet."
