# The ruleset shipped inside the packaged module (rules/) passes its own OSSEC-format test files through
# Test-HidsRule, as a user would run them. Sections marked "sequence = yes" need correlation state
# (frequency, first-time-seen, check_diff): they are replayed in order through Test-HidsRule -Path,
# which keeps state across lines; every other case goes through Test-HidsRule -TestFile.
BeforeDiscovery {
    $testDir = Join-Path (Split-Path $env:HIDS_TEST_MODULE) 'rules/tests'
    $script:AllIni = @(Get-ChildItem $testDir -Filter '*.ini' -ErrorAction SilentlyContinue | Sort-Object Name | ForEach-Object Name)
    $script:SequenceIni = @(Get-ChildItem $testDir -Filter '*.ini' -ErrorAction SilentlyContinue | Sort-Object Name |
        Where-Object { Select-String -Path $_.FullName -Pattern '^\s*sequence\s*=\s*(yes|true|1)\s*$' -Quiet } | ForEach-Object Name)
    $script:HaveTestHidsRule = [bool](Get-Command Test-HidsRule -ErrorAction SilentlyContinue) -or
        [bool](Import-Module $env:HIDS_TEST_MODULE -PassThru -ErrorAction SilentlyContinue | ForEach-Object { $_.ExportedCmdlets['Test-HidsRule'] })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest
    $script:RulesDir = Join-Path (Split-Path $env:HIDS_TEST_MODULE) 'rules'
    $script:IniFiles = @(Get-ChildItem (Join-Path $script:RulesDir 'tests') -Filter '*.ini' | Sort-Object Name)

    function Get-SequenceSection([string] $Path) {
        $section = $null
        $names = [System.Collections.Generic.HashSet[string]]::new()
        foreach ($line in [IO.File]::ReadAllLines($Path)) {
            $t = $line.Trim()
            if ($t -match '^\[(.+)\]$') { $section = $Matches[1]; continue }
            if ($section -and $t -match '^sequence\s*=\s*(yes|true|1)$') { [void]$names.Add($section) }
        }
        , $names
    }

    # Sections as ordered lists of @{ Kind; Log } plus the expected rule/level/decoder.
    function Get-IniSection([string] $Path) {
        $sections = [ordered]@{}
        $cur = $null
        foreach ($line in [IO.File]::ReadAllLines($Path)) {
            $t = $line.Trim()
            if ($t -match '^\[(.+)\]$') { $cur = @{ Name = $Matches[1]; Logs = [System.Collections.Generic.List[object]]::new() }; $sections[$cur.Name] = $cur; continue }
            if (-not $cur) { continue }
            if ($t -match '^log\s+\d+\s+(pass|fail)\s*=\s?(.*)$') { $cur.Logs.Add(@{ Kind = $Matches[1]; Log = $Matches[2].Replace('%%', '%') }); continue }
            if ($t -match '^(rule|alert|decoder)\s*=\s*(.*)$') { $cur[$Matches[1]] = $Matches[2].Trim() }
        }
        $sections.Values
    }

    # The rule id, level and decoder of one Test-HidsRule result, whatever the result type calls them.
    function Get-Outcome($r) {
        $rule = $r.ActualRule; $level = $r.ActualLevel; $decoder = $r.ActualDecoder
        if ($null -eq $rule -and $r.PSObject.Properties['Rule'] -and $r.Rule) { $rule = $r.Rule.Id; $level = $r.Rule.Level }
        if ($null -eq $rule -and $r.PSObject.Properties['RuleId']) { $rule = $r.RuleId; $level = $r.Level }
        if ($null -eq $decoder -and $r.PSObject.Properties['Decoder'] -and $r.Decoder) { $decoder = if ($r.Decoder -is [string]) { $r.Decoder } else { $r.Decoder.Name } }
        if ($null -eq $decoder -and $r.PSObject.Properties['DecoderName']) { $decoder = $r.DecoderName }
        @{ Rule = "$rule"; Level = "$level"; Decoder = "$decoder" }
    }
}

Describe 'Ruleset: the shipped rules pass their own test files' {
    It 'ships decoder.xml, the rule files and the .ini tests in the module' {
        Join-Path $script:RulesDir 'decoder.xml' | Should -Exist
        foreach ($f in 'rules_config.xml', 'syslog_rules.xml', 'pam_rules.xml', 'sshd_rules.xml', 'dpkg_rules.xml',
            'web_rules.xml', 'apache_rules.xml', 'nginx_rules.xml', 'ossec_rules.xml') {
            Join-Path $script:RulesDir $f | Should -Exist
        }
        $script:IniFiles.Count | Should -BeGreaterThan 7
    }

    It 'passes every stateless case of <_>' -ForEach $script:AllIni -Skip:(-not $script:HaveTestHidsRule) {
        $ini = Join-Path $script:RulesDir "tests/$_"
        $sequences = Get-SequenceSection $ini
        $results = @(Test-HidsRule -TestFile $ini -Ruleset $script:RulesDir -ErrorAction Stop)
        $results.Count | Should -BeGreaterThan 0
        $failed = @($results | Where-Object { -not $sequences.Contains($_.Section) -and -not $_.Passed } |
            ForEach-Object { "[$($_.Section)] $($_.Log) -> $($_.Reason)" })
        $failed | Should -BeNullOrEmpty -Because ($failed -join "`n")
    }

    It 'passes every correlation (sequence) case of <_>' -ForEach $script:SequenceIni -Skip:(-not $script:HaveTestHidsRule) {
        $ini = Join-Path $script:RulesDir "tests/$_"
        $sequences = Get-SequenceSection $ini
        $sequences.Count | Should -BeGreaterThan 0
        $root = New-HidsTestRoot 'hids-ruleset'
        try {
            $failed = [System.Collections.Generic.List[string]]::new()
            foreach ($s in (Get-IniSection $ini | Where-Object { $sequences.Contains($_.Name) })) {
                $log = Join-Path $root ('seq-' + [guid]::NewGuid().ToString('n') + '.log')
                [IO.File]::WriteAllLines($log, [string[]]@($s.Logs | ForEach-Object { $_.Log }))
                $out = @(Test-HidsRule -Path $log -Ruleset $script:RulesDir -ErrorAction Stop)
                $out.Count | Should -Be $s.Logs.Count -Because "one result per line of [$($s.Name)]"
                for ($i = 0; $i -lt $s.Logs.Count; $i++) {
                    $o = Get-Outcome $out[$i]
                    $hit = $o.Rule -eq $s.rule -and $o.Level -eq $s.alert -and $o.Decoder -eq $s.decoder
                    if (($s.Logs[$i].Kind -eq 'pass') -ne $hit) {
                        $failed.Add("[$($s.Name)] line $($i + 1) ($($s.Logs[$i].Kind)): got rule $($o.Rule) level $($o.Level) decoder '$($o.Decoder)'")
                    }
                }
            }
            $failed | Should -BeNullOrEmpty -Because ($failed -join "`n")
        }
        finally { Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
