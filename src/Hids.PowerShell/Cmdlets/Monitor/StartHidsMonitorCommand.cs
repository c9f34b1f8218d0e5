using System.Management.Automation;
using Hids.Engine.Core;
using Hids.Engine.Monitor;

namespace Hids.PowerShell.Cmdlets.Monitor;

/// <summary>
/// ossec-control start: starts the monitor (hidsd) for an instance as a daemon that outlives this session, waits
/// until it is ready and returns its status. -Foreground runs the monitor in this process until Ctrl+C.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "HidsMonitor", SupportsShouldProcess = true)]
[OutputType(typeof(MonitorStatus))]
public sealed class StartHidsMonitorCommand : MonitorCmdletBase
{
    /// <summary>Alias of -Instance (the instance folder).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get => Instance; set => Instance = value; }

    /// <summary>Run the monitor in this process (logging to the console too) until Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Foreground { get; set; }

    /// <summary>Seconds to wait for the daemon to report ready.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 90;

    private readonly ManualResetEventSlim _stop = new(false);

    protected override void ProcessRecord()
    {
        if (!RequireInstance()) return;
        var running = FindRunningMonitor();
        if (running is not null)
        {
            WriteHidsError($"The monitor for '{Paths.Root}' is already running (pid {running}).", "MonitorAlreadyRunning",
                ErrorCategory.ResourceExists, Paths.Root, "Use Restart-HidsMonitor to apply a new configuration, or Stop-HidsMonitor first.");
            return;
        }
        if (!ShouldProcess(Paths.Root, Foreground ? "Run the Hids monitor in this session" : "Start the Hids monitor")) return;
        if (Foreground) { RunForeground(); return; }
        var st = LaunchDaemon(TimeoutSeconds);
        if (st is not null) WriteObject(st);
    }

    private void RunForeground()
    {
        using var lockFile = MonitorControl.TryAcquireLock(Paths);
        if (lockFile is null)
        {
            WriteHidsError($"The monitor for '{Paths.Root}' is already running.", "MonitorAlreadyRunning", ErrorCategory.ResourceExists, Paths.Root);
            return;
        }
        using var log = new OperationalLog(Paths.OperationalLog) { Echo = true };
        MonitorControl.WritePidFile(Paths, Environment.ProcessId);
        var host = new MonitorHost(Paths, MonitorParts.CreateDefault(), log, new MonitorHostOptions { Foreground = true });
        try
        {
            var v = host.Start();
            if (v.HasErrors)
            {
                WriteDiagnostics(v.Diagnostics, "InvalidConfiguration");
                host.WriteStatusStopped("Failed");
                return;
            }
            foreach (var d in v.Diagnostics) WriteWarning(d.ToString());
            WriteObject(host.GetStatus());
            Host.UI.WriteLine("Monitoring. Press Ctrl+C to stop.");
            _stop.Wait();
        }
        finally
        {
            host.Dispose();
            MonitorControl.DeletePidFile(Paths);
        }
    }

    protected override void StopProcessing() => _stop.Set();
}
