using System.Management.Automation;
using Hids.Engine.Syscheck;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Syscheck;

/// <summary>
/// Scans the configured directories (or some paths below them) now and records the changes. Works whether or not the
/// monitor runs: one writer at a time (a lock file), and the change events are queued in the store for the monitor.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "HidsScan", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ScanSummary))]
public sealed class InvokeHidsScanCommand : SyscheckCmdletBase
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>Re-read and re-hash every file even when size, mtime, ctime and inode are unchanged.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    private readonly List<string> _paths = new();
    private readonly CancellationTokenSource _cts = new();

    protected override void ProcessRecord()
    {
        if (Path is not null) foreach (var p in Path) _paths.Add(FullPath(p));
    }

    protected override void EndProcessing()
    {
        var options = LoadOptions();
        if (options is null) return;
        var policy = IntegrityOperations.PolicyFor(Paths, options);
        if (policy.Roots.Count == 0)
        {
            WriteHidsError("No <directories> are configured in <syscheck>; nothing to scan.", "NoDirectories", ErrorCategory.ObjectNotFound,
                Paths.OssecConf, "Add one with Add-HidsDirectory or in etc/ossec.conf.");
            return;
        }
        var valid = new List<string>();
        foreach (var p in _paths)
        {
            if (policy.RootOf(p) is null)
                WriteHidsError($"'{p}' is not below any directory configured in <syscheck>.", "PathNotMonitored", ErrorCategory.InvalidArgument, p,
                    "Scan a path inside a configured directory, or add the directory first.");
            else valid.Add(p);
        }
        if (_paths.Count > 0 && valid.Count == 0) return;
        var target = valid.Count > 0 ? string.Join(", ", valid) : string.Join(", ", policy.Roots.Select(r => r.Path));
        if (!ShouldProcess(target, Force ? "Scan and re-hash every file" : "Scan")) return;

        var relay = new PipelineRelay<ScanProgress>();
        ScanSummary summary;
        try
        {
            summary = relay.Run(this, "Invoke-HidsScan",
                () => IntegrityOperations.Scan(Paths, options, valid.Count > 0 ? valid : null, Force, relay, _cts.Token,
                    waiting: () => relay.Verbose("Waiting for the monitor (another writer holds the baseline lock)..."),
                    corruption: relay.Warning),
                (record, p) =>
                {
                    record.StatusDescription = $"{p.Phase}: {p.FilesSeen} files, {p.FilesHashed} hashed ({p.BytesHashed / (1024 * 1024)} MiB)";
                    record.CurrentOperation = p.CurrentPath ?? "";
                    record.PercentComplete = p.Expected > 0 ? (int)Math.Min(99, 100 * p.FilesSeen / p.Expected) : -1;
                });
        }
        catch (OperationCanceledException) { return; }
        catch (TimeoutException ex) { WriteHidsError(ex.Message, "BaselineLocked", ErrorCategory.ResourceBusy, Paths.SyscheckStore); return; }
        foreach (var d in summary.Problems)
            WriteHidsError($"{d.Code}: {d.File}: {d.Message}", d.Code, CategoryOf(d.Code), d.File, d.Hint);
        WriteObject(summary);
    }

    protected override void StopProcessing() => _cts.Cancel();
}
