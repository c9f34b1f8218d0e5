using System.Management.Automation;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Remove-HidsIgnore: removes &lt;ignore&gt; entries.</summary>
[Cmdlet(VerbsCommon.Remove, "HidsIgnore", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveHidsIgnoreCommand : HidsConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfiguredIgnoreCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Only remove entries of this type (default: any type).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public HidsIgnoreType? Type { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var raw in Path)
        {
            var value = Type == HidsIgnoreType.Sregex || !raw.StartsWith('/') && raw.IndexOfAny(new[] { '$', '^', '|', '\\' }) >= 0 ? raw : ConfigPath(raw);
            string? type = Type switch { HidsIgnoreType.Sregex => "sregex", HidsIgnoreType.Path => null, _ => null };
            bool found = false;
            var outcome = Edit(ed => found = ed.RemoveIgnore(value, type, anyType: Type is null));
            if (outcome == EditOutcome.Unchanged && !found)
                WriteHidsError($"'{value}' is not an ignore entry of {Paths.Root}.", "IgnoreNotFound", ErrorCategory.ObjectNotFound, value,
                    "List them with (Get-HidsConfiguration).Syscheck.Ignore.");
        }
    }
}
