using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Get-HidsDirectory: the monitored directories, one object per path with its options.</summary>
[Cmdlet(VerbsCommon.Get, "HidsDirectory")]
[OutputType(typeof(HidsDirectory))]
public sealed class GetHidsDirectoryCommand : HidsConfigurationCmdlet
{
    /// <summary>Wildcard filter on the path.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(ConfiguredDirectoryCompleter))]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    protected override void ProcessRecord()
    {
        var cfg = LoadConfiguration(failOnErrors: false);
        if (cfg is null) return;
        var patterns = Path?.Select(p => WildcardPattern.Get(p, WildcardOptions.None)).ToList();
        foreach (var d in cfg.Syscheck.Directories)
            if (patterns is null || patterns.Any(w => w.IsMatch(d.Path)))
                WriteObject(HidsDirectory.From(Paths.Root, d));
    }
}
