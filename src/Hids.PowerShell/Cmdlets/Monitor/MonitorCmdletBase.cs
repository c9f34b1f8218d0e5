using System.Management.Automation;
using Hids.Engine.Core;
using Hids.Engine.Monitor;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Monitor;

/// <summary>What the lifecycle cmdlets share: finding the running monitor, cleaning a stale pid file, reading status.</summary>
public abstract class MonitorCmdletBase : HidsInstanceCmdlet
{
    /// <summary>The module folder (where hidsd.dll is published beside Hids.PowerShell.dll).</summary>
    protected static string ModuleDirectory => Path.GetDirectoryName(typeof(MonitorCmdletBase).Assembly.Location)!;

    internal InstancePaths InstancePathsForHelpers => Paths;

    /// <summary>The running monitor's pid. A pid file left by a crash (or naming a reused pid) is cleaned when
    /// <paramref name="cleanStale"/> (the cmdlets that change state), else only reported (Get-HidsStatus reads, never writes).</summary>
    protected int? FindRunningMonitor(bool cleanStale = true) => FindRunningMonitor(cleanStale, out _);

    private int? FindRunningMonitor(bool cleanStale, out int? stale)
    {
        var pid = MonitorControl.FindRunning(Paths, out stale);
        if (stale is not null)
        {
            if (cleanStale)
            {
                WriteWarning($"Removed a stale pid file (pid {stale} is not a Hids monitor for '{Paths.Root}'; the last monitor did not stop cleanly).");
                MonitorControl.CleanStale(Paths);
            }
            else WriteWarning($"The pid file names pid {stale}, which is not a Hids monitor for '{Paths.Root}': the last monitor did not stop cleanly. Start-HidsMonitor removes it.");
        }
        return pid;
    }

    /// <summary>The status as Get-HidsStatus reports it.</summary>
    protected MonitorStatus ReadStatus(bool cleanStale = true)
    {
        var pid = FindRunningMonitor(cleanStale, out var stale);
        return MonitorControl.CurrentStatus(Paths, pid, stale);
    }

    protected void WriteDiagnostics(IEnumerable<HidsDiagnostic> diagnostics, string errorId)
    {
        foreach (var d in diagnostics)
        {
            if (d.Severity == DiagnosticSeverity.Error)
            {
                var rec = new ErrorRecord(new InvalidOperationException(d.ToString()), errorId, ErrorCategory.InvalidData, d);
                rec.ErrorDetails = new ErrorDetails(d.ToString()) { RecommendedAction = d.Hint ?? "Fix the configuration and run the command again." };
                WriteError(rec);
            }
            else WriteWarning(d.ToString());
        }
    }

    /// <summary>Starts hidsd detached and waits until it is ready; writes errors and returns null when it is not.</summary>
    protected MonitorStatus? LaunchDaemon(int timeoutSeconds)
    {
        LaunchResult r;
        try { r = MonitorLauncher.Start(ModuleDirectory, Paths, TimeSpan.FromSeconds(timeoutSeconds)); }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            WriteHidsError(ex, "MonitorLaunchFailed", ErrorCategory.ResourceUnavailable, Paths.Root);
            return null;
        }
        if (r.Started) { var st = ReadStatus(); st.Pid = r.Pid; return st; }
        if (r.TimedOut)
        {
            WriteHidsError($"hidsd (pid {r.Pid}) did not report ready within {timeoutSeconds} s. See {Paths.OperationalLog}.", "MonitorStartTimeout",
                ErrorCategory.OperationTimeout, Paths.Root, "Check logs/ossec.log; Stop-HidsMonitor -Force ends a hung monitor.");
            return null;
        }
        var id = r.ExitCode switch { 1 => "InvalidConfiguration", 3 => "MonitorAlreadyRunning", _ => "MonitorStartFailed" };
        var cat = r.ExitCode switch { 1 => ErrorCategory.InvalidData, 3 => ErrorCategory.ResourceExists, _ => ErrorCategory.NotSpecified };
        var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (r.ExitCode == 1 && lines.Length > 0)
            foreach (var l in lines.Where(l => !l.StartsWith("hidsd:", StringComparison.Ordinal)))
                WriteHidsError(l, id, cat, Paths.OssecConf, "Fix the configuration (Test-HidsConfiguration shows every diagnostic) and start again.");
        WriteHidsError($"The monitor did not start (hidsd exit code {r.ExitCode}): {lines.LastOrDefault() ?? "no output"}", id, cat, Paths.Root);
        return null;
    }
}
