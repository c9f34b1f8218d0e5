using System.Globalization;
using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Set-HidsSyscheck: the scan frequency and the yes/no switches of &lt;syscheck&gt;.</summary>
[Cmdlet(VerbsCommon.Set, "HidsSyscheck", SupportsShouldProcess = true)]
[OutputType(typeof(HidsSyscheckSettings))]
public sealed class SetHidsSyscheckCommand : HidsConfigurationCmdlet
{
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Frequency { get; set; }

    [Parameter] public SwitchParameter AlertNewFiles { get; set; }
    [Parameter] public SwitchParameter ScanOnStart { get; set; }
    [Parameter] public SwitchParameter AutoIgnore { get; set; }

    protected override void ProcessRecord()
    {
        var b = MyInvocation.BoundParameters;
        var outcome = Edit(ed =>
        {
            if (b.ContainsKey(nameof(Frequency))) ed.SetValue("syscheck", "frequency", Frequency.ToString(CultureInfo.InvariantCulture));
            if (b.ContainsKey(nameof(ScanOnStart))) ed.SetValue("syscheck", "scan_on_start", ConfigurationEditor.YesNo(ScanOnStart));
            if (b.ContainsKey(nameof(AlertNewFiles))) ed.SetValue("syscheck", "alert_new_files", ConfigurationEditor.YesNo(AlertNewFiles));
            if (b.ContainsKey(nameof(AutoIgnore))) ed.SetValue("syscheck", "auto_ignore", ConfigurationEditor.YesNo(AutoIgnore));
        });
        if (outcome is EditOutcome.Failed or EditOutcome.WhatIf) return;
        if (LoadConfiguration(failOnErrors: false) is { } cfg) WriteObject(HidsSyscheckSettings.From(Paths.Root, cfg));
    }
}
