using System.Management.Automation;
using Hids.Engine.Syscheck;

namespace Hids.PowerShell.Cmdlets.Syscheck;

/// <summary>The recorded changes of files (oldest first).</summary>
[Cmdlet(VerbsCommon.Get, "HidsFileHistory")]
[OutputType(typeof(FileChangeRecord))]
public sealed class GetHidsFileHistoryCommand : SyscheckCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Also the changes of every file below the path.</summary>
    [Parameter] public SwitchParameter Recurse { get; set; }

    [Parameter] public DateTime? Since { get; set; }

    private BaselineStore? _store;

    protected override void ProcessRecord()
    {
        if (!RequireInstance()) return;
        if (!File.Exists(Paths.SyscheckStore))
        {
            WriteHidsError("No integrity baseline yet (queue/syscheck.db is missing).", "NoBaseline", ErrorCategory.ObjectNotFound, Paths.SyscheckStore, "Run Invoke-HidsScan or start the monitor.");
            return;
        }
        _store ??= IntegrityOperations.OpenForRead(Paths);
        foreach (var raw in Path)
        {
            var p = FullPath(raw);
            var list = _store.History(p, Recurse, Since is null ? null : new DateTimeOffset(Since.Value));
            foreach (var r in list) WriteObject(r);
        }
    }

    protected override void EndProcessing() { _store?.Dispose(); _store = null; }
}
