using System.Management.Automation;
using Hids.Engine.Syscheck;

namespace Hids.PowerShell.Cmdlets.Syscheck;

/// <summary>Accepts the current state of files as their new baseline (e.g. after a package upgrade).</summary>
[Cmdlet(VerbsData.Update, "HidsBaseline", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FileChange))]
public sealed class UpdateHidsBaselineCommand : SyscheckCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    private readonly List<string> _paths = new();

    protected override void ProcessRecord()
    {
        var options = LoadOptions();
        if (options is null) return;
        var policy = IntegrityOperations.PolicyFor(Paths, options);
        foreach (var raw in Path)
        {
            var p = FullPath(raw);
            if (policy.RootOf(p) is null)
            {
                WriteHidsError($"'{p}' is not below any directory configured in <syscheck>.", "PathNotMonitored", ErrorCategory.InvalidArgument, p);
                continue;
            }
            if (ShouldProcess(p, "Accept the current state as the baseline")) _paths.Add(p);
        }
    }

    protected override void EndProcessing()
    {
        if (_paths.Count == 0) return;
        var options = LoadOptions();
        if (options is null) return;
        try
        {
            var summary = IntegrityOperations.Accept(Paths, options, _paths, CancellationToken.None);
            foreach (var d in summary.Problems) WriteHidsError($"{d.Code}: {d.File}: {d.Message}", d.Code, CategoryOf(d.Code), d.File, d.Hint);
            foreach (var c in summary.Changes) WriteObject(c);
            WriteVerbose($"Accepted: {summary.Added} added, {summary.Changed} changed, {summary.Deleted} deleted ({summary.Files} files checked).");
        }
        catch (TimeoutException ex) { WriteHidsError(ex.Message, "BaselineLocked", ErrorCategory.ResourceBusy, Paths.SyscheckStore); }
    }
}
