using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Get-HidsConfiguration: the typed model of an instance's ossec.conf (or any file).</summary>
[Cmdlet(VerbsCommon.Get, "HidsConfiguration", DefaultParameterSetName = "Instance")]
[OutputType(typeof(HidsConfiguration))]
public sealed class GetHidsConfigurationCommand : HidsInstanceCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "Path", Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        string file;
        if (ParameterSetName == "Path") file = ResolvePath(Path!);
        else { if (!RequireInstance()) return; file = Paths.OssecConf; }
        var r = ConfigurationLoader.Load(file);
        foreach (var d in r.Errors)
        {
            var record = new ErrorRecord(new InvalidOperationException(d.ToString()), "InvalidConfiguration", ErrorCategory.InvalidData, d);
            if (d.Hint is not null) record.ErrorDetails = new ErrorDetails(d.ToString()) { RecommendedAction = d.Hint };
            WriteError(record);
        }
        if (r.Diagnostics.Any(d => d.Code == ConfigCodes.FileNotFound)) return;
        WriteObject(r.Configuration);
    }
}
