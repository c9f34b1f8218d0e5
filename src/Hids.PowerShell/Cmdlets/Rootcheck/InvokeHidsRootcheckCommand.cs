using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Rootcheck;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Rootcheck;

/// <summary>
/// Runs rootcheck now: known rootkit files, trojaned binaries, non-device files in /dev, world-writable / set-uid /
/// ownerless files in system folders, hidden processes, hidden ports and promiscuous interfaces. Returns one
/// <see cref="RootcheckFinding"/> per finding (what, where, evidence, what to do next). Reads only: it changes
/// nothing on the system (the port check binds each free port for an instant and closes it, as OSSEC does).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "HidsRootcheck")]
[OutputType(typeof(RootcheckFinding))]
public sealed class InvokeHidsRootcheckCommand : HidsInstanceCmdlet
{
    /// <summary>The root folder to check instead of "/" (a mounted image, a container's root, a test tree).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? BasePath { get; set; }

    /// <summary>The checks to run (default: those enabled in &lt;rootcheck&gt;, all of them without an instance).</summary>
    [Parameter]
    public RootcheckCheck[]? Check { get; set; }

    /// <summary>A rootkit_files database to use instead of the configured one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootkitFiles { get; set; }

    /// <summary>A rootkit_trojans database to use instead of the configured one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootkitTrojans { get; set; }

    private readonly CancellationTokenSource _cts = new();

    protected override void EndProcessing()
    {
        var options = LoadOptions();
        if (options is null) return;
        if (BasePath is not null)
        {
            string b = ResolvePath(BasePath);
            if (!Directory.Exists(b))
            {
                WriteHidsError($"Base path '{b}' is not a folder.", "BasePathNotFound", ErrorCategory.ObjectNotFound, b,
                    "Give the root folder of the system to check (for example a mounted image).");
                return;
            }
            options.BasePath = b;
        }
        foreach (var (given, set) in new[] { (RootkitFiles, (Action<string>)(v => options.RootkitFiles = v)), (RootkitTrojans, v => options.RootkitTrojans = v) })
        {
            if (given is null) continue;
            string p = ResolvePath(given);
            if (!File.Exists(p))
            {
                WriteHidsError($"Database '{p}' does not exist.", "DatabaseNotFound", ErrorCategory.ObjectNotFound, p,
                    "Give an existing rootkit_files.txt / rootkit_trojans.txt, or leave the parameter out to use the shipped one.");
                return;
            }
            set(p);
        }
        if (!RootcheckService.RunsAsRoot)
            WriteWarning("Not running as root: unreadable folders are skipped, ports below 1024 cannot be bind-tested and hidden processes of other users may be missed.");

        var relay = new PipelineRelay<RootcheckProgress>();
        using var service = new RootcheckService(Paths, options, _ => { }, relay);
        var checks = Check is { Length: > 0 } ? Check.Distinct().ToList() : service.EnabledChecks().ToList();
        WriteVerbose($"Checking '{service.RootPath}': {string.Join(", ", checks)}.");
        IReadOnlyList<RootcheckFinding> findings;
        try
        {
            findings = relay.Run(this, "Invoke-HidsRootcheck", () => service.Run(checks, relay, _cts.Token), (record, p) =>
            {
                record.StatusDescription = $"Check {p.CheckIndex + 1} of {p.CheckCount}: {p.Check}";
                record.CurrentOperation = p.Current ?? "";
                record.PercentComplete = Math.Min(99, (p.CheckIndex * 100 + p.PercentComplete) / Math.Max(1, p.CheckCount));
            });
        }
        catch (OperationCanceledException) { return; }
        foreach (var d in service.Diagnostics) WriteWarning(d.ToString());
        foreach (var f in findings) WriteObject(f);
    }

    protected override void StopProcessing() => _cts.Cancel();

    private RootcheckOptions? LoadOptions()
    {
        if (!File.Exists(Paths.OssecConf))
        {
            WriteVerbose($"No instance at '{Paths.Root}': default rootcheck settings and the shipped databases.");
            return new RootcheckOptions();
        }
        var loaded = ConfigurationLoader.LoadInstance(Paths);
        if (loaded.HasErrors)
        {
            foreach (var d in loaded.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
                WriteHidsError(d.ToString(), d.Code, ErrorCategory.InvalidData, d.File, d.Hint);
            return null;
        }
        return loaded.Configuration.Rootcheck;
    }
}
