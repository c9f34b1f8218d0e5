using System.Management.Automation;
using Hids.Engine.Monitor;

namespace Hids.PowerShell.Cmdlets.Monitor;

/// <summary>ossec-control restart, made safe: validates the configuration and the ruleset FIRST. On errors it writes
/// every diagnostic (file, line, column, hint) and leaves the running monitor untouched; otherwise it stops the
/// monitor gracefully and starts it with the new configuration.</summary>
[Cmdlet(VerbsLifecycle.Restart, "HidsMonitor", SupportsShouldProcess = true)]
[OutputType(typeof(MonitorStatus))]
public sealed class RestartHidsMonitorCommand : MonitorCmdletBase
{
    /// <summary>Seconds to wait for the stop and for the start.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 90;

    /// <summary>Kill the old monitor if it does not stop within the timeout.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!RequireInstance()) return;
        var v = MonitorParts.CreateDefault().Validate(Paths);
        (v.Analyzer as IDisposable)?.Dispose();
        if (v.HasErrors)
        {
            WriteDiagnostics(v.Diagnostics, "InvalidConfiguration");
            var running = FindRunningMonitor();
            WriteHidsError($"The configuration of '{Paths.Root}' has errors; nothing was restarted" +
                (running is null ? "." : $" (the running monitor, pid {running}, keeps its current configuration)."),
                "InvalidConfiguration", ErrorCategory.InvalidData, Paths.OssecConf, "Fix the errors above (Test-HidsConfiguration) and run Restart-HidsMonitor again.");
            return;
        }
        foreach (var d in v.Diagnostics) WriteWarning(d.ToString());
        var pid = FindRunningMonitor();
        if (!ShouldProcess(Paths.Root, pid is null ? "Start the Hids monitor" : $"Restart the Hids monitor (pid {pid})")) return;
        if (pid is not null && !StopHidsMonitorCommand.StopMonitor(this, pid.Value, TimeoutSeconds, Force)) return;
        var st = LaunchDaemon(TimeoutSeconds);
        if (st is not null) WriteObject(st);
    }
}
