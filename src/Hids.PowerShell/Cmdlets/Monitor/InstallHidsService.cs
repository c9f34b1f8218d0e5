using System.Management.Automation;
using Hids.Engine.Core;
using Hids.Engine.Monitor;

namespace Hids.PowerShell.Cmdlets.Configuration;

// Install-Hids -Service: the monitor's part of Install-Hids (the systemd unit; see docs/monitor.md).
public partial class InstallHidsCommand
{
    /// <summary>Also write a systemd unit for the instance's monitor (and enable it where systemd runs).</summary>
    [Parameter]
    public SwitchParameter Service { get; set; }

    /// <summary>Where the unit goes (default /etc/systemd/system/hids.service); tests write to a temp file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? UnitPath { get; set; }

    private void InstallService(string root)
    {
        var unit = UnitPath is null ? SystemdUnit.DefaultUnitPath : GetUnresolvedProviderPathFromPSPath(UnitPath);
        if (!ShouldProcess(unit, "Write the Hids systemd unit" + (SystemdUnit.IsSystemdRunning() ? " and enable it" : ""))) return;
        try
        {
            var moduleDir = System.IO.Path.GetDirectoryName(typeof(InstallHidsCommand).Assembly.Location)!;
            var r = SystemdUnit.Install(new InstancePaths(root), moduleDir, unit);
            if (r.Message is not null) WriteVerbose(r.Message);
            if (r.SystemdRunning && !r.Enabled && unit.StartsWith("/etc/systemd/system/", StringComparison.Ordinal))
                WriteWarning(r.Message ?? "systemctl enable failed.");
            WriteObject(r);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            WriteError(new ErrorRecord(ex, "ServiceInstallFailed", ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, unit));
        }
    }
}
