param([string] $ModulePath, [string] $Path, [int] $Seconds = 0)
$ErrorActionPreference = 'Stop'
Write-Host "Demo not wired yet."
