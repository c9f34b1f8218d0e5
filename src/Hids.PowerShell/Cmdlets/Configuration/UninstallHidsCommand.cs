using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Uninstall-Hids: removes an instance folder (configuration, baseline, alerts). Refuses while the monitor runs.</summary>
[Cmdlet(VerbsLifecycle.Uninstall, "Hids", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class UninstallHidsCommand : HidsInstanceCmdlet
{
    protected override void ProcessRecord()
    {
        if (!RequireInstance()) return;
        if (Installer.WhyNotRemovable(Paths) is { } why)
        {
            WriteHidsError(why, "NotRemovable", ErrorCategory.InvalidArgument, Paths.Root, "Only folders made by Install-Hids are removed.");
            return;
        }
        if (Installer.RunningMonitorPid(Paths) is int pid)
        {
            WriteHidsError($"The monitor of '{Paths.Root}' is running (pid {pid}); nothing was removed.", "MonitorRunning",
                ErrorCategory.ResourceBusy, Paths.Root, "Stop it first: Stop-HidsMonitor -Instance " + Paths.Root);
            return;
        }
        if (!ShouldProcess(Paths.Root, "Remove the Hids instance and all its data (configuration, baseline, alerts)")) return;
        try { Installer.Uninstall(Paths); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            WriteHidsError(ex, "UninstallFailed", ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.InvalidOperation, Paths.Root);
        }
    }
}
