using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Get-HidsLogFile: the monitored log files and commands.</summary>
[Cmdlet(VerbsCommon.Get, "HidsLogFile")]
[OutputType(typeof(HidsLogFile))]
public sealed class GetHidsLogFileCommand : HidsConfigurationCmdlet
{
    /// <summary>Wildcard filter on the path, command or alias.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(ConfiguredLogFileCompleter))]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    protected override void ProcessRecord()
    {
        if (LoadConfiguration(failOnErrors: false) is not { } cfg) return;
        var patterns = Path?.Select(p => WildcardPattern.Get(p, WildcardOptions.None)).ToList();
        foreach (var l in cfg.LocalFiles)
            if (patterns is null || patterns.Any(w => w.IsMatch(l.Key) || (l.Location is not null && w.IsMatch(l.Location)) || (l.Command is not null && w.IsMatch(l.Command))))
                WriteObject(HidsLogFile.From(Paths.Root, l));
    }
}
