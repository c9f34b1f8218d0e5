using System.Management.Automation;
using System.Text;
using Hids.Engine.Analysis;

namespace Hids.PowerShell.Cmdlets.Analysis;

/// <summary>
/// <para type="synopsis">Runs log lines through the decoders and rules, like ossec-logtest; also runs OSSEC .ini rule test files.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "HidsRule", DefaultParameterSetName = "LogLine")]
[OutputType(typeof(RuleTestResult), ParameterSetName = new[] { "LogLine", "Path" })]
[OutputType(typeof(RuleTestCaseResult), ParameterSetName = new[] { "TestFile" })]
public sealed class TestHidsRuleCommand : AnalysisCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "LogLine")]
    [AllowEmptyString]
    public string[] LogLine { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "TestFile")]
    [ValidateNotNullOrEmpty]
    public string[] TestFile { get; set; } = Array.Empty<string>();

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Location { get; set; } = "stdin";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Ruleset { get; set; }

    private Ruleset? _set;
    private RuleEngine? _engine;
    private bool _failed;

    protected override void BeginProcessing()
    {
        _set = LoadRuleset(Ruleset);
        if (_set == null) { _failed = true; return; }
        if (ParameterSetName != "TestFile")
            _engine = new RuleEngine(_set, new RuleEngineOptions { Hostname = Environment.MachineName });
    }

    protected override void ProcessRecord()
    {
        if (_failed || _set == null) return;
        switch (ParameterSetName)
        {
            case "LogLine":
                foreach (var line in LogLine) WriteObject(Run(line ?? ""));
                break;
            case "Path":
                RunPath();
                break;
            case "TestFile":
                foreach (var f in TestFile) RunTestFile(f);
                break;
        }
    }

    private RuleTestResult Run(string line)
    {
        var ev = new LogEvent { FullLog = line, Location = Location, ReceivedAt = DateTimeOffset.Now };
        return RuleTestResult.From(_engine!.Evaluate(ev), line);
    }

    private void RunPath()
    {
        var full = ResolvePath(Path);
        if (!File.Exists(full))
        {
            WriteHidsError($"Log file '{full}' does not exist.", "LogFileNotFound", ErrorCategory.ObjectNotFound, full);
            return;
        }
        var loc = MyInvocation.BoundParameters.ContainsKey(nameof(Location)) ? Location : full;
        long size = new FileInfo(full).Length, done = 0;
        var progress = new ProgressRecord(1, "Test-HidsRule", $"Analysing {full}");
        int n = 0;
        // invalid UTF-8 becomes U+FFFD instead of failing the run
        using var reader = new StreamReader(full, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true);
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            done += line.Length + 1;
            if (++n % 1000 == 0 && size > 0)
            {
                progress.PercentComplete = (int)Math.Min(100, done * 100 / size);
                WriteProgress(progress);
            }
            var ev = new LogEvent { FullLog = line, Location = loc, ReceivedAt = DateTimeOffset.Now };
            WriteObject(RuleTestResult.From(_engine!.Evaluate(ev), line));
        }
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    private void RunTestFile(string f)
    {
        var full = ResolvePath(f);
        if (!File.Exists(full))
        {
            WriteHidsError($"Test file '{full}' does not exist.", "TestFileNotFound", ErrorCategory.ObjectNotFound, full);
            return;
        }
        var loc = MyInvocation.BoundParameters.ContainsKey(nameof(Location)) ? Location : "stdin";
        foreach (var c in RuleTestFile.Parse(full))
            WriteObject(RuleTestFile.RunCase(_set!, c, loc));
    }

    protected override void EndProcessing() => _engine?.Dispose();
    protected override void StopProcessing() => _engine?.Dispose();
}
