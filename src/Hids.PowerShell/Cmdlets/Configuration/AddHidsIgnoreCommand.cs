using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

public enum HidsIgnoreType { Path, Sregex }

/// <summary>Add-HidsIgnore: files or folders syscheck skips (&lt;ignore&gt;), a path prefix or an OSSEC sregex.</summary>
[Cmdlet(VerbsCommon.Add, "HidsIgnore", SupportsShouldProcess = true)]
[OutputType(typeof(HidsIgnore))]
public sealed class AddHidsIgnoreCommand : HidsConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter]
    public HidsIgnoreType Type { get; set; } = HidsIgnoreType.Path;

    protected override void ProcessRecord()
    {
        var values = Path.Select(p => Type == HidsIgnoreType.Sregex ? p : ConfigPath(p)).ToList();
        var type = Type == HidsIgnoreType.Sregex ? "sregex" : null;
        var outcome = Edit(ed => { foreach (var v in values) ed.AddIgnore(v, type); });
        if (outcome is EditOutcome.Failed or EditOutcome.WhatIf) return;
        var cfg = LoadConfiguration(failOnErrors: false);
        if (cfg is null) return;
        foreach (var e in cfg.Syscheck.Ignore.Where(e => values.Contains(e.Value) && e.Type == type))
            WriteObject(HidsIgnore.From(Paths.Root, e, "ignore"));
    }
}
