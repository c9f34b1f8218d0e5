using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Test-HidsConfiguration: validates an instance's ossec.conf (or any file) and returns typed diagnostics.</summary>
[Cmdlet(VerbsDiagnostic.Test, "HidsConfiguration", DefaultParameterSetName = "Instance")]
[OutputType(typeof(HidsDiagnostic), ParameterSetName = new[] { "Instance", "Path" })]
[OutputType(typeof(bool))]
public sealed class TestHidsConfigurationCommand : HidsInstanceCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "Path", Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        ConfigurationLoadResult r;
        if (ParameterSetName == "Path")
        {
            var file = ResolvePath(Path!);
            r = ConfigurationLoader.Load(file);
        }
        else
        {
            if (!File.Exists(Paths.OssecConf) && !Quiet) { RequireInstance(); return; }
            r = ConfigurationLoader.LoadInstance(Paths);
        }
        if (Quiet) { WriteObject(!r.HasErrors); return; }
        foreach (var d in r.Diagnostics) WriteObject(d);
    }
}
