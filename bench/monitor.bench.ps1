<#
.SYNOPSIS
    Idle footprint of the monitor (issue 6): starts hidsd on a default temp instance, lets it settle, then samples its
    resident memory (/proc/<pid>/status VmRSS) and CPU (/proc/<pid>/stat utime+stime over 60 s). Targets: < 60 MB RSS,
    < 1% of one core. Runs in a fresh pwsh with the packaged module.
#>
param([string] $ModulePath, [string] $Configuration = 'Release', [int] $SampleSeconds = 60, [int] $SettleSeconds = 30, [switch] $InProcess)
$ErrorActionPreference = 'Stop'
if (-not $InProcess) {
    & dotnet pwsh -NoProfile -File $PSCommandPath -ModulePath $ModulePath -SampleSeconds $SampleSeconds -SettleSeconds $SettleSeconds -InProcess
    return
}
Import-Module $ModulePath
$root = Join-Path ([IO.Path]::GetTempPath()) ("hids-bench-mon-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
# Active response stays inside the instance (its own hosts.deny, no firewall): a bench must not block hosts.
Install-Hids -Path $root -Type Local -EmailTo 'root@localhost' -ContainActiveResponse | Out-Null
function CpuTicks([int] $procId) { $f = (Get-Content "/proc/$procId/stat").Split(')')[1].Trim().Split(' '); [long]$f[11] + [long]$f[12] }
function RssKb([int] $procId) { [long]((Select-String -Path "/proc/$procId/status" -Pattern '^VmRSS:').Line -replace '\D', '') }
$hz = [long](& getconf CLK_TCK)
try {
    $st = Start-HidsMonitor -Instance $root
    $procId = $st.Pid
    "default configuration (syscheck of /etc, /usr/bin, /usr/sbin, /bin, /sbin; rootcheck; $(@((Get-HidsConfiguration -Instance $root).LocalFiles).Count) localfiles)"
    # settle: the initial syscheck and rootcheck scans are not idle time; wait until both finished, then 30 s more
    $deadline = (Get-Date).AddMinutes(10)
    do {
        Start-Sleep -Seconds 5
        $s = Get-HidsStatus -Instance $root
        $sys = $s.Parts | Where-Object Name -eq 'syscheck'; $rc = $s.Parts | Where-Object Name -eq 'rootcheck'
        $done = $s.SyscheckLastScan -and $sys.State -ne 'Scanning' -and (-not $rc -or ($rc.Details['LastScan'] -and $rc.Details['Running'] -ne 'True'))
    } while ((Get-Date) -lt $deadline -and -not $done)
    "initial scans done after $([int]((Get-Date) - $s.StartedAt.LocalDateTime).TotalSeconds) s; settling $SettleSeconds s"
    Start-Sleep -Seconds $SettleSeconds
    $rssStart = RssKb $procId
    $t0 = CpuTicks $procId; $w0 = [Diagnostics.Stopwatch]::StartNew()
    $peak = $rssStart
    for ($i = 0; $i -lt $SampleSeconds; $i++) { Start-Sleep -Seconds 1; $peak = [math]::Max($peak, (RssKb $procId)) }
    $t1 = CpuTicks $procId; $wall = $w0.Elapsed.TotalSeconds
    $cpuPct = 100.0 * ($t1 - $t0) / $hz / $wall
    $rssMb = (RssKb $procId) / 1024
    'idle RSS: {0:N1} MB (peak during sample {1:N1} MB; target < 60 MB) -> {2}' -f $rssMb, ($peak / 1024), ($(if ($peak / 1024 -lt 60) { 'OK' } else { 'OVER' }))
    'idle CPU: {0:N2} % of one core over {1:N0} s (target < 1 %) -> {2}' -f $cpuPct, $wall, ($(if ($cpuPct -lt 1) { 'OK' } else { 'OVER' }))
    $roll = Get-Content "/proc/$procId/smaps_rollup"
    $kb = { param($k) [long](($roll | Where-Object { $_ -like "${k}:*" }) -replace '\D', '') / 1024 }
    'RSS breakdown: PSS {0:N1} MB, anonymous {1:N1} MB, shared memory (the JIT code heap under W^X; none in the Native AOT hidsd) {2:N1} MB, managed heap {3:N1} MB' -f (& $kb 'Pss'), (& $kb 'Anonymous'), (& $kb 'Pss_Shmem'), ((Get-HidsStatus -Instance $root).ManagedHeapBytes / 1MB)
}
finally {
    Stop-HidsMonitor -Instance $root -Force | Out-Null
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
}
