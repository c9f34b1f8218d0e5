# Active response cmdlets against the packaged module. Firewall tests run inside network namespaces these tests
# create ($env:HIDS_NETNS points the firewall tools there); hosts.deny is a temp file named in the instance's
# ossec.conf. Nothing on the host is touched.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest

    function New-ArInstance([string] $WhiteList = '198.51.100.0/24') {
        $root = New-HidsTestRoot 'hids-ar'
        New-Item -ItemType Directory -Force (Join-Path $root 'etc'), (Join-Path $root 'queue'), (Join-Path $root 'logs') | Out-Null
        $deny = Join-Path $root 'hosts.deny'
        Set-Content $deny "# local rules`nsshd: 192.0.2.200"
        @"
<ossec_config>
  <global>
    <white_list>$WhiteList</white_list>
    <white_list>2001:db8:aa::/48</white_list>
  </global>
  <command>
    <name>host-deny</name>
    <executable>host-deny.sh</executable>
    <expect>srcip</expect>
    <timeout_allowed>yes</timeout_allowed>
  </command>
  <active-response>
    <command>host-deny</command>
    <location>local</location>
    <level>6</level>
    <timeout>600</timeout>
    <repeated_offenders>30,60</repeated_offenders>
  </active-response>
  <hids>
    <hosts_deny_path>$deny</hosts_deny_path>
    <nft_table>inet hidspester</nft_table>
  </hids>
</ossec_config>
"@ | Set-Content (Join-Path $root 'etc/ossec.conf')
        [pscustomobject]@{ Root = $root; HostsDeny = $deny }
    }

    function Invoke-Ip([string[]] $Arguments) {
        $out = & ip @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "ip $($Arguments -join ' '): $out" }
        $out
    }

    # Two namespaces joined by a veth pair; addresses exist only inside them.
    function New-ArNetns {
        # Stale namespaces of earlier crashed runs (their creating process is gone).
        foreach ($n in (& ip netns list) -replace ' .*$', '' | Where-Object { $_ -like 'hids-p-*' }) {
            $owner = ($n -split '-')[2]
            if (-not (Test-Path "/proc/$owner")) { & ip netns del $n 2>$null }
        }
        $id = "$PID-$(Get-Random -Minimum 1000 -Maximum 9999)"
        $k = Get-Random -Minimum 1 -Maximum 250
        $lab = [pscustomobject]@{ Server = "hids-p-$id-s"; Peer = "hids-p-$id-p"; ServerIp = "10.232.$k.1"; PeerIp = "10.232.$k.2" }
        Invoke-Ip netns, add, $lab.Server | Out-Null
        Invoke-Ip netns, add, $lab.Peer | Out-Null
        Invoke-Ip '-n', $lab.Server, link, set, lo, up | Out-Null
        Invoke-Ip '-n', $lab.Server, link, add, hv0, type, veth, peer, name, hv1, netns, $lab.Peer | Out-Null
        Invoke-Ip '-n', $lab.Server, addr, add, "$($lab.ServerIp)/24", dev, hv0 | Out-Null
        Invoke-Ip '-n', $lab.Peer, addr, add, "$($lab.PeerIp)/24", dev, hv1 | Out-Null
        Invoke-Ip '-n', $lab.Server, link, set, hv0, up | Out-Null
        Invoke-Ip '-n', $lab.Peer, link, set, hv1, up | Out-Null
        $lab
    }

    function Remove-ArNetns($lab) {
        if ($lab) { & ip netns del $lab.Server 2>$null; & ip netns del $lab.Peer 2>$null }
    }

    function Get-NftElements($lab, [string] $Table = 'hidspester') {
        $json = & ip netns exec $lab.Server nft -j list set inet $Table blocked4 2>$null
        if ($LASTEXITCODE -ne 0) { return @() }
        $set = (($json | ConvertFrom-Json).nftables | Where-Object { $_.set }).set
        @($set.elem | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.elem.val } })
    }

    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 15) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        while ((Get-Date) -lt $deadline) { if (& $Condition) { return $true }; Start-Sleep -Milliseconds 200 }
        [bool](& $Condition)
    }
}

Describe 'ActiveResponse: cmdlets with host-deny' {
    BeforeEach { $i = New-ArInstance }
    AfterEach { Remove-Item $i.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'blocks, lists with offences and timeout, and unblocks through the pipeline' {
        Block-HidsAddress -Instance $i.Root -Address 203.0.113.9 -Timeout 120 -Command host-deny -Reason 'test block'
        Get-Content $i.HostsDeny | Should -Contain 'ALL: 203.0.113.9'
        Get-Content $i.HostsDeny | Should -Contain 'sshd: 192.0.2.200'
        $b = Get-HidsBlockedAddress -Instance $i.Root
        $b.Address | Should -Be '203.0.113.9'
        $b.Command | Should -Be 'host-deny'
        $b.Offences | Should -Be 1
        $b.TimeoutSeconds | Should -Be 120
        $b.Reason | Should -Be 'test block'
        $b.Expires | Should -BeGreaterThan $b.Since
        $b.Instance | Should -Be $i.Root
        ($b | Format-Table | Out-String) | Should -Match '203\.0\.113\.9\s+host-deny'
        ($b | ConvertTo-Json | ConvertFrom-Json).Address | Should -Be '203.0.113.9'
        Get-HidsBlockedAddress -Instance $i.Root | Unblock-HidsAddress -Instance $i.Root -Confirm:$false
        Get-Content $i.HostsDeny | Should -Not -Contain 'ALL: 203.0.113.9'
        Get-Content $i.HostsDeny | Should -Contain 'sshd: 192.0.2.200'
        Get-HidsBlockedAddress -Instance $i.Root | Should -BeNullOrEmpty
        Get-Content (Join-Path $i.Root 'logs/ossec.log') -Raw | Should -Match 'Blocked 203\.0\.113\.9 with host-deny'
        Get-Content (Join-Path $i.Root 'logs/active-responses.log') -Raw | Should -Match 'Hids active-response: deleted srcip 203\.0\.113\.9 \(host-deny, rule 0, timeout 120\)'
    }

    It 'binds SrcIp and RuleId from alerts on the pipeline' {
        $alerts = @(
            [pscustomobject]@{ SrcIp = '203.0.113.21'; RuleId = 5720; AlertId = '1.1' }
            [pscustomobject]@{ SrcIp = '203.0.113.22'; RuleId = 5712; AlertId = '1.2' }
        )
        $out = $alerts | Block-HidsAddress -Instance $i.Root -Timeout 60 -Command host-deny -PassThru
        $out.Count | Should -Be 2
        $list = Get-HidsBlockedAddress -Instance $i.Root | Sort-Object Address
        $list.RuleId | Should -Be @(5720, 5712)
        $list.Origin | Should -Be @('manual', 'manual')
        Get-HidsBlockedAddress -Instance $i.Root -Address '203.0.113.2*' | Should -HaveCount 2
    }

    It 'changes nothing with -WhatIf' {
        Block-HidsAddress -Instance $i.Root -Address 203.0.113.9 -Timeout 60 -Command host-deny -WhatIf
        Get-Content $i.HostsDeny | Should -Not -Contain 'ALL: 203.0.113.9'
        Get-HidsBlockedAddress -Instance $i.Root | Should -BeNullOrEmpty
        Block-HidsAddress -Instance $i.Root -Address 203.0.113.9 -Timeout 60 -Command host-deny
        Unblock-HidsAddress -Instance $i.Root -Address 203.0.113.9 -WhatIf
        Get-Content $i.HostsDeny | Should -Contain 'ALL: 203.0.113.9'
    }

    It 'rejects hostile address <Value> and changes nothing' -ForEach @(
        @{ Value = '1.2.3.4; rm -rf /' }, @{ Value = '$(reboot)' }, @{ Value = '1.2.3.4 -j ACCEPT' }, @{ Value = ('9' * 300) }, @{ Value = '`id`' }
    ) {
        $before = Get-Content $i.HostsDeny -Raw
        Block-HidsAddress -Instance $i.Root -Address $Value -Timeout 60 -Command host-deny -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidAddress,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-Content $i.HostsDeny -Raw | Should -Be $before
        Get-HidsBlockedAddress -Instance $i.Root | Should -BeNullOrEmpty
    }

    It 'never blocks loopback, white-listed or own addresses (<Value>)' -ForEach @(
        @{ Value = '127.0.0.1' }, @{ Value = '::1' }, @{ Value = '198.51.100.42' }, @{ Value = '2001:db8:aa::9' }
    ) {
        Block-HidsAddress -Instance $i.Root -Address $Value -Timeout 60 -Command host-deny -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProtectedAddress,*'
        Get-HidsBlockedAddress -Instance $i.Root | Should -BeNullOrEmpty
    }

    It 'reports an address that is not blocked' {
        Unblock-HidsAddress -Instance $i.Root -Address 203.0.113.99 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotBlocked,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'removes a block the state does not know with -Force' {
        Add-Content $i.HostsDeny 'ALL: 203.0.113.77'
        Unblock-HidsAddress -Instance $i.Root -Address 203.0.113.77 -Command host-deny -Force -Confirm:$false
        Get-Content $i.HostsDeny | Should -Not -Contain 'ALL: 203.0.113.77'
        Get-Content $i.HostsDeny | Should -Contain 'sshd: 192.0.2.200'
    }

    It 'counts offences per address across blocks' {
        foreach ($n in 1..3) {
            Block-HidsAddress -Instance $i.Root -Address 203.0.113.9 -Timeout 60 -Command host-deny
            (Get-HidsBlockedAddress -Instance $i.Root).Offences | Should -Be $n
            Unblock-HidsAddress -Instance $i.Root -Address 203.0.113.9 -Confirm:$false
        }
    }
}

Describe 'ActiveResponse: firewall-drop in a network namespace' {
    BeforeAll {
        $lab = New-ArNetns
        $env:HIDS_NETNS = $lab.Server
    }
    AfterAll {
        Remove-Item Env:HIDS_NETNS -ErrorAction SilentlyContinue
        Remove-ArNetns $lab
    }
    BeforeEach { $i = New-ArInstance }
    AfterEach { Remove-Item $i.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'adds the address to the nftables set with its own timeout and removes it' {
        Block-HidsAddress -Instance $i.Root -Address $lab.PeerIp -Timeout 300
        Get-NftElements $lab | Should -Contain $lab.PeerIp
        $b = Get-HidsBlockedAddress -Instance $i.Root
        $b.Command | Should -Be 'firewall-drop'
        $b.Backend | Should -Be 'nftables'
        $b.KernelExpiry | Should -BeTrue
        # The namespace's own address is protected as well.
        Block-HidsAddress -Instance $i.Root -Address $lab.ServerIp -Timeout 60 -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProtectedAddress,*'
        Unblock-HidsAddress -Instance $i.Root -Address $lab.PeerIp -Confirm:$false
        Get-NftElements $lab | Should -Not -Contain $lab.PeerIp
    }

    It 'unblocks after kill -9 of the monitor: the kernel for nftables, the restarted responder for hosts.deny' {
        $ready = Join-Path $i.Root 'ready'
        $script = Join-Path $i.Root 'monitor.ps1'
        # A monitor stand-in: hosts the engine's ActiveResponder, blocks one brute-force source with firewall-drop
        # and host-deny (3 s), then waits to be killed.
        @'
param($ModulePath, $Root, $Peer, $Ready)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Add-Type -Path (Join-Path (Split-Path $ModulePath) 'Hids.Engine.dll')  # the engine's types, before the first cmdlet loads it
$paths = [Hids.Engine.Core.InstancePaths]::new($Root)
$cfg = [Hids.Engine.Configuration.ConfigurationLoader]::LoadInstance($paths).Configuration
foreach ($c in 'firewall-drop', 'host-deny') {
    $ar = [Hids.Engine.Configuration.ActiveResponseOptions]::new(); $ar.Command = $c; $ar.Level = 10; $ar.Timeout = 3
    $cfg.ActiveResponses.Clear(); $cfg.ActiveResponses.Add($ar) | Out-Null
    $r = [Hids.Engine.ActiveResponse.ActiveResponder]::new($paths, $cfg, $null, [Hids.Engine.Core.NullLog]::Instance)
    $a = [Hids.Engine.Alerts.Alert]::new(); $a.RuleId = 5720; $a.Level = 10; $a.SrcIp = $Peer; $a.Groups = @('sshd', 'authentication_failures')
    $out = $r.Respond($a)
    if ($out[0].Status -ne 'Blocked') { throw "not blocked: $($out[0].Message)" }
}
Set-Content $Ready 'ok'
Start-Sleep -Seconds 600
'@ | Set-Content $script
        $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $psi.ArgumentList.Add([Environment]::GetCommandLineArgs()[0]) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script, $env:HIDS_TEST_MODULE, $i.Root, $lab.PeerIp, $ready) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $proc = [Diagnostics.Process]::Start($psi)
        try {
            Wait-Until { (Test-Path $ready) -or $proc.HasExited } 60 | Out-Null
            $proc.HasExited | Should -BeFalse -Because 'the monitor stand-in must be running'
            Test-Path $ready | Should -BeTrue
            Get-NftElements $lab | Should -Contain $lab.PeerIp
            Get-Content $i.HostsDeny | Should -Contain "ALL: $($lab.PeerIp)"
        }
        finally { & kill -9 $proc.Id; $proc.WaitForExit() }
        $proc.ExitCode | Should -Be 137
        # Nobody runs: the nft element expires by itself.
        Wait-Until { (Get-NftElements $lab) -notcontains $lab.PeerIp } 20 | Should -BeTrue
        # The host-deny block was recorded a moment after the nft element was added: it falls due a moment later.
        Wait-Until { (Get-HidsBlockedAddress -Instance $i.Root | Where-Object Command -eq 'host-deny').Overdue } 10 | Should -BeTrue
        # A restarted responder removes the overdue hosts.deny line at start.
        $paths = [Hids.Engine.Core.InstancePaths]::new($i.Root)
        $cfg = [Hids.Engine.Configuration.ConfigurationLoader]::LoadInstance($paths).Configuration
        $r = [Hids.Engine.ActiveResponse.ActiveResponder]::new($paths, $cfg, $null, [Hids.Engine.Core.NullLog]::Instance)
        try { $r.Start() } finally { $r.Dispose() }
        Get-Content $i.HostsDeny | Should -Not -Contain "ALL: $($lab.PeerIp)"
        Get-HidsBlockedAddress -Instance $i.Root | Should -BeNullOrEmpty
        Get-Content (Join-Path $i.Root 'logs/active-responses.log') -Raw | Should -Match "deleted srcip $([regex]::Escape($lab.PeerIp)) \(host-deny, rule 5720, timeout 3\)"
    }
}

Describe 'ActiveResponse: the monitor blocks a brute-force source and survives kill -9' {
    BeforeAll {
        $lab = New-ArNetns
        $env:HIDS_NETNS = $lab.Server   # the daemon inherits it: its firewall tools run inside the test namespace
    }
    AfterAll {
        Remove-Item Env:HIDS_NETNS -ErrorAction SilentlyContinue
        Remove-ArNetns $lab
    }

    It 'sshd failures in a watched log block the peer; after kill -9 the kernel and the restarted monitor unblock on time' {
        $root = New-HidsTestRoot 'hids-arm'
        try {
            Install-Hids -Path $root | Out-Null
            $auth = Join-Path $root 'auth.log'
            $deny = Join-Path $root 'hosts.deny'
            Set-Content $auth ''
            Set-Content $deny '# test'
            $includes = (Select-Xml -Path (Join-Path $root 'etc/ossec.conf') -XPath '//rules/include' -ErrorAction SilentlyContinue | ForEach-Object { "    <include>$($_.Node.InnerText)</include>" }) -join "`n"
            if (-not $includes) { $includes = '    <include>rules_config.xml</include><include>syslog_rules.xml</include><include>sshd_rules.xml</include><include>ossec_rules.xml</include>' }
            @"
<ossec_config>
  <global><white_list>127.0.0.1</white_list></global>
  <rules>
$includes
  </rules>
  <syscheck><disabled>yes</disabled></syscheck>
  <rootcheck><disabled>yes</disabled></rootcheck>
  <localfile><log_format>syslog</log_format><location>$auth</location></localfile>
  <localfile><log_format>syslog</log_format><location>$(Join-Path $root 'logs/active-responses.log')</location></localfile>
  <active-response><command>firewall-drop</command><location>local</location><rules_group>authentication_failures</rules_group><timeout>4</timeout></active-response>
  <active-response><command>host-deny</command><location>local</location><level>10</level><timeout>4</timeout></active-response>
  <hids><hosts_deny_path>$deny</hosts_deny_path><nft_table>hidsmon</nft_table></hids>
</ossec_config>
"@ | Set-Content (Join-Path $root 'etc/ossec.conf')
            $st = Start-HidsMonitor -Instance $root
            $st.Running | Should -BeTrue
            Start-Sleep -Seconds 2
            $lines = 1..10 | ForEach-Object { "Dec  4 20:41:{0:00} testhost sshd[1234]: Failed password for root from $($lab.PeerIp) port 4242 ssh2" -f $_ }
            Add-Content $auth $lines
            Wait-Until { (Get-NftElements $lab 'hidsmon') -contains $lab.PeerIp } 30 | Should -BeTrue
            Wait-Until { (Get-Content $deny) -contains "ALL: $($lab.PeerIp)" } 10 | Should -BeTrue
            Get-HidsBlockedAddress -Instance $root | ForEach-Object Address | Should -Contain $lab.PeerIp
            $daemonPid = [int](Get-Content (Join-Path $root 'var/run/hidsd.pid'))
            & kill -9 $daemonPid
            Wait-Until { -not (Test-Path "/proc/$daemonPid") } 10 | Should -BeTrue
            # Dead monitor: the set element still goes on time (kernel timeout).
            Wait-Until { (Get-NftElements $lab 'hidsmon') -notcontains $lab.PeerIp } 20 | Should -BeTrue
            (Get-Content $deny) | Should -Contain "ALL: $($lab.PeerIp)"
            # Restarted monitor: the overdue hosts.deny line is removed at start.
            Start-HidsMonitor -Instance $root | Out-Null
            Wait-Until { (Get-Content $deny) -notcontains "ALL: $($lab.PeerIp)" } 20 | Should -BeTrue
            # The line goes first, the state row right after it.
            Wait-Until { -not (Get-HidsBlockedAddress -Instance $root) } 10 | Should -BeTrue
            Get-Content (Join-Path $root 'logs/ossec.log') -Raw | Should -Match 'monitor was not running'
        }
        finally {
            Stop-HidsMonitor -Instance $root -Force -TimeoutSeconds 20 -ErrorAction SilentlyContinue | Out-Null
            Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

