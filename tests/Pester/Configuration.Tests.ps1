BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest
    $script:hidsCmdlets = @(Get-Command -Module Hids -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest
    $script:shared = Join-Path $PSScriptRoot '../../../shared'
    $script:createdRoots = [System.Collections.Generic.List[string]]::new()
    function script:New-Root([string] $Name = 'hids-cfg') { $p = New-HidsTestRoot $Name; $script:createdRoots.Add($p); $p }
    function script:New-Instance {
        $root = Join-Path (New-Root 'hids-cfg') 'inst'
        Install-Hids -Path $root -EmailTo 'admin@example.com' -SmtpServer 'mail.example.com.' | Out-Null
        $root
    }
    function script:Get-ConfHash([string] $root) { (Get-FileHash (Join-Path $root 'etc/ossec.conf') -Algorithm SHA256).Hash }
    function script:Get-Conf([string] $root) { Get-Content -Raw (Join-Path $root 'etc/ossec.conf') }
}

AfterAll {
    foreach ($p in $script:createdRoots) { Remove-Item -LiteralPath $p -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Configuration: Install-Hids and Uninstall-Hids' {
    It 'creates a valid local instance with the guide''s sections' {
        $root = Join-Path (New-Root 'hids-cfg') 'inst'
        $r = Install-Hids -Path $root -Type Local -EmailTo 'admin@example.com' -SmtpServer 'mail.example.com.'
        $r | Should -BeOfType 'Hids.Engine.Configuration.InstallResult'
        $r.Path | Should -Be $root
        foreach ($d in 'etc', 'rules', 'logs/alerts', 'queue/diff', 'var/run', 'tmp') { Join-Path $root $d | Should -Exist }
        Join-Path $root 'etc/local_rules.xml' | Should -FileContentMatch '<group name="local,syslog,">'
        Test-HidsConfiguration -Instance $root -Quiet | Should -BeTrue
        $c = Get-HidsConfiguration -Instance $root
        $c.Global.EmailTo | Should -Be @('admin@example.com')
        $c.Global.SmtpServer | Should -Be 'mail.example.com.'
        $c.Syscheck.Frequency | Should -Be 79200
        $c.Syscheck.Directories.Path | Should -Be @('/etc', '/usr/bin', '/usr/sbin', '/bin', '/sbin')
        $c.Syscheck.Ignore.Value | Should -Contain '/etc/svc/volatile'
        $c.Syscheck.Ignore.Value | Should -Contain (Join-Path $root 'queue')
        $c.Rules.Include | Should -Be @('rules_config.xml', 'syslog_rules.xml', 'pam_rules.xml', 'sshd_rules.xml', 'dpkg_rules.xml', 'web_rules.xml', 'apache_rules.xml', 'nginx_rules.xml', 'ossec_rules.xml', 'local_rules.xml')
        ($c.ActiveResponses | Where-Object Timeout -eq 600).Count | Should -Be 2
        $c.LocalFiles.Location | Should -Contain '/var/log/auth.log'
    }

    It 'is idempotent: a second run rewrites nothing' {
        $root = New-Instance
        $before = Get-ChildItem $root -Recurse -File | ForEach-Object { '{0} {1} {2}' -f $_.FullName, (Get-FileHash $_.FullName).Hash, $_.LastWriteTimeUtc.Ticks }
        $r = Install-Hids -Path $root -EmailTo 'admin@example.com'
        $r.Created | Should -BeNullOrEmpty
        $r.Updated | Should -BeNullOrEmpty
        $after = Get-ChildItem $root -Recurse -File | ForEach-Object { '{0} {1} {2}' -f $_.FullName, (Get-FileHash $_.FullName).Hash, $_.LastWriteTimeUtc.Ticks }
        $after | Should -Be $before
    }

    It '-Force keeps the user''s ossec.conf and local_rules.xml' {
        $root = New-Instance
        Add-Content (Join-Path $root 'etc/ossec.conf') '<!-- my edit -->'
        Add-Content (Join-Path $root 'etc/local_rules.xml') '<!-- my rule -->'
        $conf = Get-ConfHash $root
        $local = (Get-FileHash (Join-Path $root 'etc/local_rules.xml')).Hash
        Install-Hids -Path $root -Force | Out-Null
        Get-ConfHash $root | Should -Be $conf
        (Get-FileHash (Join-Path $root 'etc/local_rules.xml')).Hash | Should -Be $local
    }

    It '-ContainActiveResponse keeps blocks inside a new instance, and says it changes nothing in an existing one' {
        $root = Join-Path (New-Root 'hids-cfg') 'inst'
        Install-Hids -Path $root -ContainActiveResponse | Out-Null
        $conf = Get-Content (Join-Path $root 'etc/ossec.conf') -Raw
        $conf | Should -Match '<firewall_backend>none</firewall_backend>'
        $conf | Should -Match ([regex]::Escape("<hosts_deny_path>$root/hosts.deny</hosts_deny_path>"))
        @(Test-HidsConfiguration -Instance $root) | Should -BeNullOrEmpty
        $plain = New-Instance
        $hash = Get-ConfHash $plain
        Install-Hids -Path $plain -ContainActiveResponse -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        Get-ConfHash $plain | Should -Be $hash
        ($w -join "`n") | Should -Match 'ContainActiveResponse applies to new instances'
    }

    It '-WhatIf creates nothing' {
        $root = Join-Path (New-Root 'hids-cfg') 'inst'
        Install-Hids -Path $root -WhatIf | Should -BeNullOrEmpty
        $root | Should -Not -Exist
    }

    It 'refuses Server and Agent with NotImplemented' {
        $root = Join-Path (New-Root 'hids-cfg') 'inst'
        $err = $null
        try { Install-Hids -Path $root -Type Server } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InstallTypeNotSupported*'
        $err.CategoryInfo.Category | Should -Be 'NotImplemented'
        $root | Should -Not -Exist
    }

    It 'refuses a bad e-mail address' {
        { Install-Hids -Path (Join-Path (New-Root) 'x') -EmailTo 'root' } | Should -Throw '*e-mail*'
    }

    It 'Uninstall-Hids refuses while the monitor''s pid is alive, then removes the instance' {
        $root = New-Instance
        Set-Content (Join-Path $root 'var/run/hidsd.pid') $PID
        Uninstall-Hids -Instance $root -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MonitorRunning*'
        $root | Should -Exist
        Remove-Item (Join-Path $root 'var/run/hidsd.pid')
        Uninstall-Hids -Instance $root -Confirm:$false
        $root | Should -Not -Exist
    }

    It 'Uninstall-Hids leaves a folder alone that Install-Hids did not make' {
        $root = Join-Path (New-HidsTestRoot 'foreign') 'ossec'
        New-Item -ItemType Directory (Join-Path $root 'etc') -Force | Out-Null
        Set-Content (Join-Path $root 'etc/ossec.conf') '<ossec_config/>'
        Uninstall-Hids -Instance $root -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NotRemovable*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Join-Path $root 'etc/ossec.conf' | Should -Exist
        Remove-Item (Split-Path $root) -Recurse -Force
    }
}

Describe 'Configuration: editing cmdlets' {
    BeforeEach {
        $script:root = New-Instance
        $env:HIDS_HOME = $script:root
    }
    AfterAll { $env:HIDS_HOME = $null }

    It 'Add-HidsDirectory writes the guide''s line, keeps a backup and is idempotent' {
        $before = Get-Conf $root
        $d = Add-HidsDirectory -Path /var/www -Realtime -ReportChanges
        $d | Should -BeOfType 'Hids.Engine.Configuration.HidsDirectory'
        $d.Realtime | Should -BeTrue
        Get-Conf $root | Should -Match ([regex]::Escape('<directories report_changes="yes" realtime="yes" check_all="yes">/var/www</directories>'))
        Get-Content -Raw (Join-Path $root 'etc/ossec.conf.bak') | Should -Be $before
        $hash = Get-ConfHash $root
        $time = (Get-Item (Join-Path $root 'etc/ossec.conf')).LastWriteTimeUtc
        Add-HidsDirectory -Path /var/www -Realtime -ReportChanges | Out-Null
        Get-ConfHash $root | Should -Be $hash
        (Get-Item (Join-Path $root 'etc/ossec.conf')).LastWriteTimeUtc | Should -Be $time
    }

    It 'keeps the user''s comments and changes only the edited lines' {
        $before = (Get-Conf $root) -split "`n"
        Set-HidsSyscheck -Frequency 900 | Out-Null
        $after = (Get-Conf $root) -split "`n"
        $after.Count | Should -Be $before.Count
        $diff = @(for ($i = 0; $i -lt $before.Count; $i++) { if ($before[$i] -ne $after[$i]) { $after[$i] } })
        $diff | Should -Be @('    <frequency>900</frequency>')
        Get-Conf $root | Should -Match 'Seconds between full integrity scans'
    }

    It '-WhatIf writes nothing and returns nothing' {
        $hash = Get-ConfHash $root
        Add-HidsDirectory -Path /srv -WhatIf | Should -BeNullOrEmpty
        Set-HidsEmail -To 'x@example.com' -WhatIf | Should -BeNullOrEmpty
        Get-HidsDirectory | Remove-HidsDirectory -WhatIf
        Get-ConfHash $root | Should -Be $hash
        Join-Path $root 'etc/ossec.conf.bak' | Should -Not -Exist
    }

    It 'Get-HidsDirectory | Remove-HidsDirectory removes one path from a comma list' {
        Get-HidsDirectory -Path /usr/bin | Remove-HidsDirectory -Confirm:$false
        (Get-HidsDirectory).Path | Should -Be @('/etc', '/usr/sbin', '/bin', '/sbin')
        Get-Conf $root | Should -Match ([regex]::Escape('<directories check_all="yes">/etc,/usr/sbin</directories>'))
        Remove-HidsDirectory -Path /nope -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'DirectoryNotFound*'
    }

    It 'Set-HidsSyscheck writes yes/no from bool-ish switches' {
        (Set-HidsSyscheck -AlertNewFiles -Frequency 900).AlertNewFiles | Should -BeTrue
        Get-Conf $root | Should -Match '<alert_new_files>yes</alert_new_files>'
        Set-HidsSyscheck -AlertNewFiles:$false | Out-Null
        Get-Conf $root | Should -Match '<alert_new_files>no</alert_new_files>'
        $hash = Get-ConfHash $root
        Set-HidsSyscheck -AlertNewFiles:$false | Out-Null
        Get-ConfHash $root | Should -Be $hash
    }

    It 'Set-HidsEmail changes the e-mail settings idempotently' {
        $s = Set-HidsEmail -To 'loginName@example.com' -From 'loginName@example.com' -SmtpServer 'mail.example.com.' -AlertLevel 9 -MaxPerHour 20 -SmtpPort 2525 -Notification
        $s.To | Should -Be @('loginName@example.com')
        $s.AlertLevel | Should -Be 9
        $s.SmtpPort | Should -Be 2525
        $hash = Get-ConfHash $root
        Set-HidsEmail -To 'loginName@example.com' -From 'loginName@example.com' -SmtpServer 'mail.example.com.' -AlertLevel 9 -MaxPerHour 20 -SmtpPort 2525 -Notification | Out-Null
        Get-ConfHash $root | Should -Be $hash
        Test-HidsConfiguration -Quiet | Should -BeTrue
    }

    It 'bad values are refused with a clear error and the file is unchanged' {
        $hash = Get-ConfHash $root
        { Set-HidsSyscheck -Frequency -1 } | Should -Throw '*Frequency*'
        { Set-HidsEmail -To 'root' } | Should -Throw '*e-mail*'
        { Set-HidsActiveResponse -Command firewall-drop -Level 99 } | Should -Throw '*Level*'
        Set-HidsActiveResponse -Command 'no-such-command' -Level 6 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ConfigurationWouldNotValidate*'
        "$($e[0])" | Should -Match 'no-such-command'
        Add-HidsIgnore -Path '/x</ignore><ignore>/y' -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'InvalidValue*'
        Get-ConfHash $root | Should -Be $hash
    }

    It 'Set-HidsActiveResponse updates and Get-HidsActiveResponse reads back' {
        $a = Set-HidsActiveResponse -Command firewall-drop -Timeout 1800 -RulesGroup authentication_failures
        $a.Timeout | Should -Be 1800
        $a.Level | Should -Be 6
        $got = Get-HidsActiveResponse -Command firewall-drop
        $got.RulesGroup | Should -Be @('authentication_failures')
        $got.CommandDefined | Should -BeTrue
        $hash = Get-ConfHash $root
        Set-HidsActiveResponse -Command firewall-drop -Timeout 1800 -RulesGroup authentication_failures | Out-Null
        Get-ConfHash $root | Should -Be $hash
        (Set-HidsActiveResponse -Command host-deny -Disabled).Disabled | Should -BeTrue
    }

    It 'Add-, Get- and Remove-HidsLogFile handle files and commands' {
        (Add-HidsLogFile -Path /var/log/app.log -LogFormat json).LogFormat | Should -Be 'json'
        $m = Add-HidsLogFile -Command 'uptime' -Frequency 60 -Alias 'load'
        $m.Key | Should -Be 'load'
        $m.Frequency | Should -Be 60
        (Get-HidsLogFile -Path 'load').Command | Should -Be 'uptime'
        $hash = Get-ConfHash $root
        Add-HidsLogFile -Command 'uptime' -Frequency 60 -Alias 'load' | Out-Null
        Get-ConfHash $root | Should -Be $hash
        Get-HidsLogFile | Where-Object { $_.Path -eq '/var/log/app.log' -or $_.Command -eq 'uptime' } | Remove-HidsLogFile -Confirm:$false
        (Get-HidsLogFile).Key | Should -Not -Contain 'load'
        (Get-HidsLogFile).Path | Should -Not -Contain '/var/log/app.log'
        Test-HidsConfiguration -Quiet | Should -BeTrue
    }

    It 'Add-HidsIgnore and Remove-HidsIgnore' {
        (Add-HidsIgnore -Path '\.log$' -Type Sregex).Type | Should -Be 'Sregex'
        Add-HidsIgnore -Path /var/www/cache | Out-Null
        Get-Conf $root | Should -Match ([regex]::Escape('<ignore type="sregex">\.log$</ignore>'))
        Remove-HidsIgnore -Path /var/www/cache
        Get-Conf $root | Should -Not -Match 'cache'
        Remove-HidsIgnore -Path /never -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'IgnoreNotFound*'
    }

    It 'completes -Command of Set-HidsActiveResponse with the instance''s command names' {
        $line = 'Set-HidsActiveResponse -Command fire'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'firewall-drop'
        $line = 'Remove-HidsDirectory -Path /usr/s'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain '/usr/sbin'
    }

    It 'fails clearly on a missing instance' {
        Get-HidsDirectory -Instance (Join-Path (New-Root) 'none') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'InstanceNotFound*'
    }
}

Describe 'Configuration: Test-HidsConfiguration and Get-HidsConfiguration' {
    It 'loads the guide''s XML pasted verbatim' {
        $file = Join-Path (New-Root) 'ossec.conf'
        Set-Content $file @'
<ossec_config>
<global>
  <email_notification>yes</email_notification>
  <email_to>loginName@example.com</email_to>
  <smtp_server>mail.example.com.</smtp_server>
  <email_from>loginName@example.com</email_from>
</global>

<syscheck>
  <!-- Frequency that syscheck is executed - default to every 22 hours -->
  <frequency>79200</frequency>

  <alert_new_files>yes</alert_new_files>

<!-- Directories to check  (perform all possible verifications) -->
<directories report_changes="yes" realtime="yes" check_all="yes">/etc,/usr/bin,/usr/sbin</directories>
<directories report_changes="yes" realtime="yes" check_all="yes">/bin,/sbin</directories>
<directories report_changes="yes" realtime="yes" check_all="yes">/home/username,/var/www</directories>

<!-- Files/directories to ignore -->
<ignore>/etc/mtab</ignore>
<ignore>/etc/mnttab</ignore>
<ignore>/etc/hosts.deny</ignore>
<ignore>/var/ossec/logs</ignore>
</syscheck>

<!-- Active Response Config -->
<active-response>

  <command>host-deny</command>
  <location>local</location>
  <level>6</level>
  <timeout>600</timeout>
</active-response>
</ossec_config>
'@
        Test-HidsConfiguration -Path $file -Quiet | Should -BeTrue
        $c = Get-HidsConfiguration -Path $file
        $c.Global.SmtpServer | Should -Be 'mail.example.com.'
        $c.Syscheck.Directories.Count | Should -Be 7
        $c.Syscheck.AlertNewFiles | Should -BeTrue
        ($c | ConvertTo-Json -Depth 6 | ConvertFrom-Json).Syscheck.Directories[0].Path | Should -Be '/etc'
    }

    It 'loads OSSEC''s own default ossec.conf (<_>) with no error' -ForEach @('ossec-3.2.0', 'ossec-main') {
        $file = Join-Path $shared "conformance/$_/ossec.conf"
        $d = Test-HidsConfiguration -Path $file
        @($d | Where-Object Severity -eq 'Error') | Should -HaveCount 0
        @($d | Where-Object Severity -eq 'Info').Count | Should -BeGreaterThan 0
    }

    It 'returns typed diagnostics with position and a did-you-mean hint' {
        $file = Join-Path (New-Root) 'bad.conf'
        Set-Content $file "<ossec_config>`n  <syscheck>`n    <frequncy>-1</frequncy>`n    <directories check_all=`"yes`">etc</directories>`n  </syscheck>`n  <alerts><email_alert_level>99</email_alert_level></alerts>`n</ossec_config>"
        $d = @(Test-HidsConfiguration -Path $file)
        $d[0] | Should -BeOfType 'Hids.Engine.Core.HidsDiagnostic'
        $unknown = $d | Where-Object Code -eq 'HIDS1010'
        $unknown.Line | Should -Be 3
        $unknown.Column | Should -Be 5
        $unknown.Hint | Should -Match "Did you mean 'frequency'"
        ($d | Where-Object Code -eq 'HIDS1023').Line | Should -Be 4
        ($d | Where-Object Code -eq 'HIDS1021').Message | Should -Match '99'
        Test-HidsConfiguration -Path $file -Quiet | Should -BeFalse
        ($d | Format-Table | Out-String) | Should -Match 'bad.conf:3:5'
    }

    It 'reports malformed XML with line and column' {
        $file = Join-Path (New-Root) 'broken.conf'
        Set-Content $file "<ossec_config>`n  <global>`n  </globl>`n</ossec_config>"
        $d = Test-HidsConfiguration -Path $file
        $d.Code | Should -Be 'HIDS1001'
        $d.Line | Should -Be 3
        $d.Hint | Should -Match '</global>'
    }
}

Describe 'Configuration: help for every exported cmdlet' {
    It '<Name> has a synopsis, every parameter documented and an example' -ForEach $hidsCmdlets {
        $cmd = Get-Command $Name
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name\s*\["   # not the auto-generated syntax line
        @($help.examples.example).Count | Should -BeGreaterOrEqual 1
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($p in $cmd.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $ph = $help.parameters.parameter | Where-Object name -eq $p
            ($ph.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description"
        }
    }
}
