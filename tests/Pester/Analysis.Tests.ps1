BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest
    $script:Shared = Join-Path $PSScriptRoot '../../../shared/conformance'

    function New-RulesInstance {
        $root = New-HidsTestRoot 'hids-analysis'
        New-Item -ItemType Directory -Path (Join-Path $root 'etc'), (Join-Path $root 'rules') | Out-Null
        Set-Content -Path (Join-Path $root 'etc/ossec.conf') -Value @'
<ossec_config>
  <rules>
    <include>rules_config.xml</include>
    <include>ossec_rules.xml</include>
    <include>local_rules.xml</include>
  </rules>
</ossec_config>
'@
        Set-Content -Path (Join-Path $root 'rules/decoder.xml') -Value @'
<decoder name="sshd">
  <program_name>^sshd</program_name>
</decoder>
<decoder name="sshd-failed">
  <parent>sshd</parent>
  <prematch>^Failed \S+ </prematch>
  <regex offset="after_prematch">^for (\S+) from (\S+) port \d+ </regex>
  <order>user, srcip</order>
</decoder>
'@
        Set-Content -Path (Join-Path $root 'rules/rules_config.xml') -Value @'
<group name="syslog">
  <rule id="1" level="0" noalert="1"><category>syslog</category><description>Generic template for all syslog rules.</description></rule>
</group>
<group name="ossec">
  <rule id="7" level="0" noalert="1"><category>ossec</category><description>Generic template for all ossec rules.</description></rule>
</group>
'@
        Set-Content -Path (Join-Path $root 'rules/ossec_rules.xml') -Value @'
<group name="syslog,sshd,">
  <rule id="5700" level="0"><decoded_as>sshd</decoded_as><description>SSHD messages grouped.</description></rule>
  <rule id="5716" level="5"><if_sid>5700</if_sid><match>^Failed </match><description>SSHD authentication failed.</description><group>authentication_failed,</group></rule>
  <rule id="5720" level="10" frequency="2" timeframe="360"><if_matched_sid>5716</if_matched_sid><same_source_ip /><description>Multiple SSHD authentication failures.</description></rule>
</group>
<group name="ossec,">
  <rule id="554" level="0">
    <category>ossec</category>
    <decoded_as>syscheck_new_entry</decoded_as>
    <description>File added to the system.</description>
    <group>syscheck,</group>
  </rule>
</group>
'@
        Set-Content -Path (Join-Path $root 'etc/local_rules.xml') -Value @'
<!-- Local rules -->

<!-- Modify it at your will. -->

<group name="local,syslog,">

  <!-- keep this comment -->
  <rule id="100001" level="0">
    <if_sid>5716</if_sid>
    <srcip>192.0.2.1</srcip>
    <description>Example of rule that will ignore sshd failed logins from IP 192.0.2.1.</description>
  </rule>

</group> <!-- SYSLOG,LOCAL -->


<!-- EOF -->
'@
        $root
    }
}

Describe 'Analysis: Test-HidsRule' {
    BeforeAll { $script:Inst = New-RulesInstance }
    AfterAll { Remove-Item -Recurse -Force $script:Inst -ErrorAction SilentlyContinue }

    It 'shows the three phases for one line' {
        $r = Test-HidsRule -Instance $script:Inst -LogLine 'Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 198.51.100.7 port 22 ssh2'
        $r.GetType().Name | Should -Be 'RuleTestResult'
        $r.Hostname | Should -Be 'web1'
        $r.ProgramName | Should -Be 'sshd'
        $r.Decoder | Should -Be 'sshd'
        $r.SrcIp | Should -Be '198.51.100.7'
        $r.DstUser | Should -Be 'root'
        $r.RuleId | Should -Be 5716
        $r.Level | Should -Be 5
        $r.Alert | Should -BeTrue
    }

    It 'keeps correlation state across pipeline lines' {
        $line = 'Feb  9 11:44:56 web1 sshd[1234]: Failed password for root from 198.51.100.9 port 22 ssh2'
        $rs = @($line, $line, $line, $line) | Test-HidsRule -Instance $script:Inst
        $rs.RuleId | Should -Be @(5716, 5716, 5716, 5720)
    }

    It 'streams a log file, one result per line' {
        $log = Join-Path $script:Inst 'auth.log'
        Set-Content -Path $log -Value @('Feb  9 11:44:56 web1 sshd[1234]: Failed password for bob from 198.51.100.10 port 22 ssh2', 'not a known line')
        $rs = @(Test-HidsRule -Instance $script:Inst -Path $log)
        $rs.Count | Should -Be 2
        $rs[0].Location | Should -Be $log
        $rs[1].RuleId | Should -BeNullOrEmpty
        $rs[1].Alert | Should -BeFalse
    }

    It 'runs OSSEC rule test files against a ruleset folder' {
        $ini = Join-Path $script:Shared 'ossec-3.2.0/tests/sshd.ini'
        $rs = @(Test-HidsRule -TestFile $ini -Ruleset (Join-Path $script:Shared 'ossec-3.2.0'))
        $rs.Count | Should -BeGreaterThan 30
        $rs[0].GetType().Name | Should -Be 'RuleTestCaseResult'
        @($rs | Where-Object { -not $_.Passed }).Count | Should -Be 0
    }

    It 'reports a missing ruleset folder as an error' {
        { Test-HidsRule -LogLine 'x' -Ruleset (Join-Path $script:Inst 'nope') -ErrorAction Stop } | Should -Throw -ErrorId 'RulesetNotFound*'
    }
}

Describe 'Analysis: Get-HidsRule' {
    BeforeAll { $script:Inst = New-RulesInstance }
    AfterAll { Remove-Item -Recurse -Force $script:Inst -ErrorAction SilentlyContinue }

    It 'lists rules with filters' {
        $r = Get-HidsRule -Instance $script:Inst -Id 5716
        $r.GetType().Name | Should -Be 'RuleInfo'
        $r.Level | Should -Be 5
        $r.ParentIds | Should -Be @(5700)
        $r.Groups | Should -Contain 'authentication_failed'
        @(Get-HidsRule -Instance $script:Inst -Level 10).Id | Should -Be @(5720)
        @(Get-HidsRule -Instance $script:Inst -Group 'syscheck').Id | Should -Be @(554)
        @(Get-HidsRule -Instance $script:Inst -File 'local_rules.xml').Id | Should -Be @(100001)
    }

    It 'survives ConvertTo-Json' {
        (Get-HidsRule -Instance $script:Inst -Id 554 | ConvertTo-Json | ConvertFrom-Json).Description | Should -Be 'File added to the system.'
    }
}

Describe 'Analysis: Set-HidsRule' {
    BeforeEach { $script:Inst = New-RulesInstance; $script:Local = Join-Path $script:Inst 'etc/local_rules.xml' }
    AfterEach { Remove-Item -Recurse -Force $script:Inst -ErrorAction SilentlyContinue }

    It 'writes the guide''s override of rule 554, idempotently, keeping comments' {
        Set-HidsRule -Instance $script:Inst -Id 554 -Level 7
        $text = Get-Content -Raw $script:Local
        $text | Should -Match '<rule id="554" level="7" overwrite="yes">\n    <category>ossec</category>\n    <decoded_as>syscheck_new_entry</decoded_as>\n    <description>File added to the system.</description>\n    <group>syscheck,</group>\n  </rule>\n'
        $text | Should -Match 'keep this comment'
        $text.IndexOf('id="554"') | Should -BeLessThan $text.IndexOf('</group> <!-- SYSLOG,LOCAL -->')
        (Get-HidsRule -Instance $script:Inst -Id 554).Level | Should -Be 7
        $hash = (Get-FileHash $script:Local).Hash
        Set-HidsRule -Instance $script:Inst -Id 554 -Level 7
        (Get-FileHash $script:Local).Hash | Should -Be $hash
        Join-Path $script:Inst 'etc/local_rules.xml.bak' | Should -Exist
    }

    It 'updates an existing override in place' {
        Set-HidsRule -Instance $script:Inst -Id 554 -Level 7
        Set-HidsRule -Instance $script:Inst -Id 554 -Level 9
        $text = Get-Content -Raw $script:Local
        ([regex]::Matches($text, 'id="554"')).Count | Should -Be 1
        (Get-HidsRule -Instance $script:Inst -Id 554).Level | Should -Be 9
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-Content -Raw $script:Local
        $files = (Get-ChildItem (Split-Path $script:Local) -Force).Name -join ','
        Set-HidsRule -Instance $script:Inst -Id 554 -Level 7 -WhatIf
        Get-Content -Raw $script:Local | Should -Be $before
        (Get-ChildItem (Split-Path $script:Local) -Force).Name -join ',' | Should -Be $files    # no temp file either
    }

    It 'reports an unknown rule' {
        { Set-HidsRule -Instance $script:Inst -Id 424242 -Level 3 -ErrorAction Stop } | Should -Throw -ErrorId 'RuleNotFound*'
    }

    It 'makes the override effective for syscheck events' {
        $r = @(Set-HidsRule -Instance $script:Inst -Id 554 -Level 7 -PassThru)
        $r.Count | Should -Be 1
        $r[0].Level | Should -Be 7
        # The instance's ruleset now rates a new file at level 7 (the guide's reason for the override).
        (Get-HidsRule -Instance $script:Inst -Id 554).Level | Should -Be 7
    }
}
