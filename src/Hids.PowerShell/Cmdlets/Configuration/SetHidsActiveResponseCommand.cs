using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Set-HidsActiveResponse: creates or updates the &lt;active-response&gt; block of a command.</summary>
[Cmdlet(VerbsCommon.Set, "HidsActiveResponse", SupportsShouldProcess = true)]
[OutputType(typeof(HidsActiveResponse))]
public sealed class SetHidsActiveResponseCommand : HidsConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CommandNameCompleter))]
    [ValidatePattern(@"^[A-Za-z0-9_.-]+$", ErrorMessage = "'{0}' is not a command name (letters, digits, '-', '_', '.').")]
    public string Command { get; set; } = "";

    [Parameter]
    [ValidateRange(0, 16)]
    public int Level { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; }

    [Parameter]
    [ValidateSet("local", "server", "defined-agent", "all")]
    public string? Location { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int[]? RulesId { get; set; }

    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9_.-]+$", ErrorMessage = "'{0}' is not a rule group name.")]
    public string[]? RulesGroup { get; set; }

    [Parameter]
    public SwitchParameter Disabled { get; set; }

    /// <summary>Escalated block times in minutes for the 2nd, 3rd, ... block of one address.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int[]? RepeatedOffenders { get; set; }

    protected override void ProcessRecord()
    {
        var b = MyInvocation.BoundParameters;
        var outcome = Edit(ed => ed.SetActiveResponse(Command,
            level: b.ContainsKey(nameof(Level)) ? Level : null,
            timeout: b.ContainsKey(nameof(Timeout)) ? Timeout : null,
            location: Location,
            rulesId: RulesId, rulesGroup: RulesGroup,
            disabled: b.ContainsKey(nameof(Disabled)) ? Disabled.IsPresent : null,
            repeatedOffenders: RepeatedOffenders));
        if (outcome is EditOutcome.Failed or EditOutcome.WhatIf) return;
        if (LoadConfiguration(failOnErrors: false) is not { } cfg) return;
        foreach (var a in cfg.ActiveResponses.Where(a => a.Command == Command))
            WriteObject(HidsActiveResponse.From(Paths.Root, a, cfg));
    }
}
