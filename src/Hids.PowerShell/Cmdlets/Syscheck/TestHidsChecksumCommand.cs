using System.Management.Automation;
using Hids.Engine.Syscheck;

namespace Hids.PowerShell.Cmdlets.Syscheck;

/// <summary>Compares files now against the baseline, or against a given digest.</summary>
[Cmdlet(VerbsDiagnostic.Test, "HidsChecksum", DefaultParameterSetName = "Baseline")]
[OutputType(typeof(ChecksumResult))]
public sealed class TestHidsChecksumCommand : SyscheckCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The digest the file must have (hex).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Expected")]
    [ValidatePattern("^[0-9a-fA-F]{32,64}$")]
    public string? Expected { get; set; }

    [Parameter(ParameterSetName = "Expected")]
    [ValidateSet("Md5", "Sha1", "Sha256")]
    public string Algorithm { get; set; } = "Sha256";

    private BaselineStore? _store;
    private SyscheckPolicy? _policy;

    protected override void ProcessRecord()
    {
        foreach (var raw in Path)
        {
            var p = FullPath(raw);
            try
            {
                if (ParameterSetName == "Expected")
                {
                    var expectedLength = Algorithm switch { "Md5" => 32, "Sha1" => 40, _ => 64 };
                    if (Expected!.Length != expectedLength)
                    {
                        WriteHidsError($"-Expected has {Expected.Length} hex digits; a {Algorithm} digest has {expectedLength}.", "ExpectedLengthMismatch",
                            ErrorCategory.InvalidArgument, Expected, "Pass the right -Algorithm for the digest.");
                        return;
                    }
                    WriteObject(IntegrityOperations.TestAgainstHash(p, Expected, Algorithm));
                    continue;
                }
                if (_store is null)
                {
                    var options = LoadOptions();
                    if (options is null) return;
                    _policy = IntegrityOperations.PolicyFor(Paths, options);
                    _store = IntegrityOperations.OpenForRead(Paths);
                }
                WriteObject(IntegrityOperations.TestAgainstBaseline(_store, _policy!, p));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteHidsError(ex, "ChecksumReadFailed", ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.ReadError, p);
            }
        }
    }

    protected override void EndProcessing() { _store?.Dispose(); _store = null; }
    protected override void StopProcessing() { _store?.Dispose(); _store = null; }
}
