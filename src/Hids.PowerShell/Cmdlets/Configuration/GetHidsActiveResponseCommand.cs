using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Get-HidsActiveResponse: the configured active responses.</summary>
[Cmdlet(VerbsCommon.Get, "HidsActiveResponse")]
[OutputType(typeof(HidsActiveResponse))]
public sealed class GetHidsActiveResponseCommand : HidsConfigurationCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(CommandNameCompleter))]
    [SupportsWildcards]
    public string[]? Command { get; set; }

    protected override void ProcessRecord()
    {
        if (LoadConfiguration(failOnErrors: false) is not { } cfg) return;
        var patterns = Command?.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        foreach (var a in cfg.ActiveResponses)
            if (patterns is null || patterns.Any(w => w.IsMatch(a.Command)))
                WriteObject(HidsActiveResponse.From(Paths.Root, a, cfg));
    }
}
