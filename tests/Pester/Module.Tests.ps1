BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-HidsUnderTest
}

Describe 'The packaged Hids module' {
    It 'has a valid manifest' {
        $m = Test-ModuleManifest $env:HIDS_TEST_MODULE
        $m.Name | Should -Be 'Hids'
        $m.Version | Should -Be ([version]'0.1.0')
    }

    It 'loads the binary module and its engine' {
        $mod = Get-Module Hids
        $mod.ModuleType | Should -Be 'Binary'
    }

    It 'exports only cmdlets whose names use approved verbs' {
        $approved = (Get-Verb).Verb
        foreach ($c in (Get-Command -Module Hids)) { $c.Verb | Should -BeIn $approved -Because $c.Name }
    }

    It 'ships native SQLite beside its assemblies' {
        Join-Path (Split-Path $env:HIDS_TEST_MODULE) 'libe_sqlite3.so' | Should -Exist
    }
}
