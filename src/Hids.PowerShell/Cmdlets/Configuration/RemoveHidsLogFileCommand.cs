using System.Management.Automation;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Remove-HidsLogFile: stops monitoring a log file or a command.</summary>
[Cmdlet(VerbsCommon.Remove, "HidsLogFile", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveHidsLogFileCommand : HidsConfigurationCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfiguredLogFileCompleter))]
    public string[]? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfiguredLogFileCompleter))]
    public string? Command { get; set; }

    protected override void ProcessRecord()
    {
        var keys = new List<string>();
        if (Path is not null) keys.AddRange(Path.Where(p => !string.IsNullOrEmpty(p)).Select(ConfigPath));
        if (!string.IsNullOrEmpty(Command)) keys.Add(Command);
        if (keys.Count == 0)
        {
            WriteHidsError("Name a log file (-Path) or a command (-Command) to stop monitoring.", "MissingArgument", ErrorCategory.InvalidArgument, null);
            return;
        }
        foreach (var key in keys)
        {
            bool found = false;
            var outcome = Edit(ed => found = ed.RemoveLogFile(key));
            if (outcome == EditOutcome.Unchanged && !found)
                WriteHidsError($"'{key}' is not monitored by {Paths.Root}.", "LogFileNotFound", ErrorCategory.ObjectNotFound, key, "List them with Get-HidsLogFile.");
        }
    }
}
