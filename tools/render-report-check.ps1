# Manual check (not part of the suite): builds a small instance with a week of history, exports the HTML report and
# renders it with headless Chromium to a PNG (pass -Png). Usage: dotnet pwsh -File tools/render-report-check.ps1 -Png /tmp/r.png
param([string] $Png = '/tmp/hids-report.png', [string] $Module = (Join-Path $PSScriptRoot '../out/Hids/Hids.psd1'))
$ErrorActionPreference = 'Stop'
Import-Module $Module
$root = Join-Path ([IO.Path]::GetTempPath()) ('hids-report-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
$inst = Join-Path $root 'inst'; $tree = Join-Path $root 'www'
New-Item -ItemType Directory -Force (Join-Path $inst 'etc'), (Join-Path $tree 'css'), (Join-Path $tree 'js') | Out-Null
"<ossec_config><syscheck><alert_new_files>yes</alert_new_files><directories check_all=`"yes`" report_changes=`"yes`">$tree</directories></syscheck></ossec_config>" | Set-Content (Join-Path $inst 'etc/ossec.conf')
foreach ($i in 1..20) { Set-Content (Join-Path $tree "page$i.php") "v0 $i" }
Invoke-HidsScan -Instance $inst | Out-Null
foreach ($round in 1..4) {
    foreach ($i in 1..(3 * $round)) { Set-Content (Join-Path $tree "page$i.php") "v$round $i" }
    Set-Content (Join-Path $tree "css/new$round.css") 'x'
    if ($round -eq 3) { Remove-Item (Join-Path $tree 'page20.php') }
    Invoke-HidsScan -Instance $inst | Out-Null
}
# Spread the history over the last days so the chart has several bars.
$db = Join-Path $inst 'queue/syscheck.db'
sqlite3 $db "UPDATE history SET time = time - (id % 5) * 86400000;"
$html = Join-Path $root 'report.html'
Export-HidsIntegrityReport -Instance $inst -OutFile $html -Since (Get-Date).AddDays(-6)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1400 --screenshot=$Png "file://$html" 2>$null | Out-Null
"report: $html"
"png: $Png"
