using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Remove-HidsDirectory: stops monitoring a directory (removes it from its comma list, or the element).</summary>
[Cmdlet(VerbsCommon.Remove, "HidsDirectory", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveHidsDirectoryCommand : HidsConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfiguredDirectoryCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        foreach (var raw in Path)
        {
            var p = ConfigPath(raw);
            bool found = false;
            var outcome = Edit(ed => found = ed.RemoveDirectory(p));
            if (outcome == EditOutcome.Unchanged && !found)
                WriteHidsError($"'{p}' is not a monitored directory of {Paths.Root}.", "DirectoryNotFound", ErrorCategory.ObjectNotFound, p,
                    "List them with Get-HidsDirectory.");
        }
    }
}
