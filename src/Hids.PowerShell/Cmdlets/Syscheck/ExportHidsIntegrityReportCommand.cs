using System.Management.Automation;
using System.Text;
using Hids.Engine.Syscheck;
using Hids.Engine.Core;

namespace Hids.PowerShell.Cmdlets.Syscheck;

/// <summary>Writes a report of the file changes recorded since a date: HTML (chart + tables) or JSON.</summary>
[Cmdlet(VerbsData.Export, "HidsIntegrityReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportHidsIntegrityReportCommand : SyscheckCmdletBase
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string OutFile { get; set; } = "";

    [Parameter] public DateTime Since { get; set; } = DateTime.Now.AddDays(-7);

    [Parameter]
    [ValidateSet("Html", "Json")]
    public string? Format { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        if (!RequireInstance()) return;
        var file = ResolvePath(OutFile);
        var format = Format ?? (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "Json" : "Html");
        if (!File.Exists(Paths.SyscheckStore))
        {
            WriteHidsError("No integrity baseline yet (queue/syscheck.db is missing).", "NoBaseline", ErrorCategory.ObjectNotFound, Paths.SyscheckStore, "Run Invoke-HidsScan or start the monitor.");
            return;
        }
        var dir = System.IO.Path.GetDirectoryName(file);
        if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
        {
            WriteHidsError($"The folder '{dir}' does not exist.", "OutFolderMissing", ErrorCategory.ObjectNotFound, dir);
            return;
        }
        if (!ShouldProcess(file, $"Write the {format} integrity report")) return;
        IntegrityReport report;
        using (var store = IntegrityOperations.OpenForRead(Paths))
            report = IntegrityReport.Build(store, new DateTimeOffset(Since), Paths.Root);
        string text;
        try { text = format == "Json" ? report.ToJson() : report.ToHtml(); }
        catch (Exception ex) when (format == "Html" && ex is DllNotFoundException or TypeInitializationException)
        {
            WriteHidsError($"The chart could not be drawn (SkiaSharp native library: {ex.Message}).", "ChartRenderFailed", ErrorCategory.ResourceUnavailable, file,
                "Use -Format Json, or check that libSkiaSharp.so is beside the module.");
            return;
        }
        AtomicFile.Write(file, text);
        if (PassThru) WriteObject(new FileInfo(file));
    }
}
