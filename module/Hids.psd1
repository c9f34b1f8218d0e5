@{
    RootModule           = 'Hids.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c36-8f0e-4a53-9d63-4f3e2a7c9d11'
    Author               = 'Hids developers'
    CompanyName          = 'Hids'
    Copyright            = '(c) Hids developers. MIT License.'
    Description          = 'Host-based intrusion detection for Linux, driven from PowerShell: OSSEC-compatible log analysis, file integrity monitoring, rootcheck, active response and alerts.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    TypesToProcess       = @('Hids.types.ps1xml')
    FormatsToProcess     = @(
        'formats/Hids.Configuration.format.ps1xml'
        'formats/Hids.Analysis.format.ps1xml'
        'formats/Hids.Syscheck.format.ps1xml'
        'formats/Hids.Alerts.format.ps1xml'
        'formats/Hids.Monitor.format.ps1xml'
        'formats/Hids.ActiveResponse.format.ps1xml'
        'formats/Hids.Rootcheck.format.ps1xml'
    )
    CmdletsToExport      = @(
        # instance and lifecycle
        'Install-Hids', 'Uninstall-Hids',
        'Start-HidsMonitor', 'Stop-HidsMonitor', 'Restart-HidsMonitor', 'Get-HidsStatus',
        # configuration
        'Get-HidsConfiguration', 'Test-HidsConfiguration',
        'Add-HidsDirectory', 'Remove-HidsDirectory', 'Get-HidsDirectory',
        'Add-HidsIgnore', 'Remove-HidsIgnore', 'Set-HidsSyscheck', 'Set-HidsEmail',
        'Set-HidsActiveResponse', 'Get-HidsActiveResponse', 'Add-HidsLogFile', 'Remove-HidsLogFile', 'Get-HidsLogFile',
        # rules
        'Get-HidsRule', 'Set-HidsRule', 'Test-HidsRule',
        # integrity
        'Invoke-HidsScan', 'Test-HidsChecksum', 'Update-HidsBaseline', 'Get-HidsFileHistory', 'Export-HidsIntegrityReport',
        # alerts
        'Get-HidsAlert', 'Send-HidsTestEmail',
        # active response
        'Get-HidsBlockedAddress', 'Block-HidsAddress', 'Unblock-HidsAddress',
        # rootcheck
        'Invoke-HidsRootcheck'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('HIDS', 'OSSEC', 'Security', 'FIM', 'Linux', 'IntrusionDetection')
            ProjectUri = 'https://example.invalid/hids'
        }
    }
}
