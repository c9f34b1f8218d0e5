using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Add-HidsLogFile: monitors a log file (&lt;localfile&gt; with a location) or a command's output.</summary>
[Cmdlet(VerbsCommon.Add, "HidsLogFile", SupportsShouldProcess = true, DefaultParameterSetName = "File")]
[OutputType(typeof(HidsLogFile))]
public sealed class AddHidsLogFileCommand : HidsConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "File", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = "Command", ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = "";

    [Parameter]
    [ValidateSet("syslog", "apache", "command", "full_command", "json", "audit", "snort-full", "snort-fast", "squid", "iis", "mysql_log", "postgresql_log", "nmapg", "djb-multilog", "ossecalert")]
    public string? LogFormat { get; set; }

    [Parameter(ParameterSetName = "Command")]
    [ValidateRange(1, int.MaxValue)]
    public int Frequency { get; set; }

    [Parameter(ParameterSetName = "Command")]
    [ValidateNotNullOrEmpty]
    public string? Alias { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "Command")
        {
            var fmt = LogFormat ?? "full_command";
            if (fmt is not ("command" or "full_command"))
            {
                WriteHidsError($"-LogFormat {fmt} cannot be used with -Command.", "InvalidLogFormat", ErrorCategory.InvalidArgument, fmt,
                    "Use -LogFormat full_command (the whole output is one event) or command (one event per line).");
                return;
            }
            int? freq = MyInvocation.BoundParameters.ContainsKey(nameof(Frequency)) ? Frequency : null;
            var outcome = Edit(ed => ed.AddCommandMonitor(Command, fmt, freq, Alias));
            if (outcome is EditOutcome.Failed or EditOutcome.WhatIf) return;
            Emit(l => l.Command == Command);
            return;
        }
        var format = LogFormat ?? "syslog";
        if (format is "command" or "full_command")
        {
            WriteHidsError($"-LogFormat {format} needs -Command, not -Path.", "InvalidLogFormat", ErrorCategory.InvalidArgument, format);
            return;
        }
        var paths = Path.Select(ConfigPath).ToList();
        var o = Edit(ed => { foreach (var p in paths) ed.AddLogFile(p, format); });
        if (o is EditOutcome.Failed or EditOutcome.WhatIf) return;
        Emit(l => l.Location is not null && paths.Contains(l.Location));
    }

    private void Emit(Func<LocalFileOptions, bool> match)
    {
        if (LoadConfiguration(failOnErrors: false) is not { } cfg) return;
        foreach (var l in cfg.LocalFiles.Where(match)) WriteObject(HidsLogFile.From(Paths.Root, l));
    }
}
