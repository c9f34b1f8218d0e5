# Shared helpers for the Pester suite. Every test imports the packaged module ($env:HIDS_TEST_MODULE)
# and works in its own temp instance; nothing touches the host's real files.

function Import-HidsUnderTest {
    if (-not $env:HIDS_TEST_MODULE) { throw 'HIDS_TEST_MODULE is not set; run through ./build.sh Test' }
    Import-Module $env:HIDS_TEST_MODULE -Global -ErrorAction Stop
}

function New-HidsTestRoot([string] $Name = 'hids') {
    $p = Join-Path ([IO.Path]::GetTempPath()) ("$Name-" + [guid]::NewGuid().ToString('n').Substring(0, 10))
    New-Item -ItemType Directory -Path $p | Out-Null
    $p
}

Export-ModuleMember -Function *
