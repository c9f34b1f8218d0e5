using System.Management.Automation;
using Hids.Engine.Monitor;

namespace Hids.PowerShell.Cmdlets.Monitor;

/// <summary>ossec-control stop: asks the monitor to stop (SIGTERM: sources stopped, queue drained, alerts flushed, state
/// saved), waits a bounded time and reports. -Force kills a monitor that does not stop in time.</summary>
[Cmdlet(VerbsLifecycle.Stop, "HidsMonitor", SupportsShouldProcess = true)]
[OutputType(typeof(MonitorStatus))]
public sealed class StopHidsMonitorCommand : MonitorCmdletBase
{
    /// <summary>Seconds to wait for a graceful stop.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 40;

    /// <summary>Kill the monitor (SIGKILL) when it has not stopped within the timeout.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var pid = FindRunningMonitor();
        if (pid is null)
        {
            WriteVerbose($"The monitor for '{Paths.Root}' is not running.");
            WriteObject(ReadStatus());
            return;
        }
        if (!ShouldProcess($"{Paths.Root} (pid {pid})", "Stop the Hids monitor")) return;
        if (StopMonitor(this, pid.Value, TimeoutSeconds, Force)) WriteObject(ReadStatus());
    }

    /// <summary>SIGTERM, bounded wait, optional SIGKILL. Returns true when the monitor is gone.</summary>
    internal static bool StopMonitor(MonitorCmdletBase cmdlet, int pid, int timeoutSeconds, bool force)
    {
        MonitorControl.Terminate(pid);
        if (MonitorControl.WaitForExit(pid, TimeSpan.FromSeconds(timeoutSeconds))) return true;
        if (force)
        {
            cmdlet.WriteWarning($"The monitor (pid {pid}) did not stop within {timeoutSeconds} s; killing it.");
            MonitorControl.Kill(pid);
            MonitorControl.WaitForExit(pid, TimeSpan.FromSeconds(10));
            MonitorControl.CleanStale(cmdlet.InstancePathsForHelpers);
            return true;
        }
        cmdlet.WriteError(new ErrorRecord(new TimeoutException($"The monitor (pid {pid}) did not stop within {timeoutSeconds} s."),
            "MonitorStopTimeout", ErrorCategory.OperationTimeout, pid)
        { ErrorDetails = new ErrorDetails($"The monitor (pid {pid}) did not stop within {timeoutSeconds} s.") { RecommendedAction = "Run Stop-HidsMonitor -Force." } });
        return false;
    }
}
