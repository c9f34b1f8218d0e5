using System.Management.Automation;
using Hids.Engine.Monitor;

namespace Hids.PowerShell.Cmdlets.Monitor;

/// <summary>ossec-control status, typed: whether the monitor runs, its pid, uptime, version, and each part's health
/// (files tailed and their positions, commands, syscheck, queue depth, alerts per minute, mails queued).</summary>
[Cmdlet(VerbsCommon.Get, "HidsStatus")]
[OutputType(typeof(MonitorStatus))]
public sealed class GetHidsStatusCommand : MonitorCmdletBase
{
    protected override void ProcessRecord()
    {
        if (!RequireInstance()) return;
        WriteObject(ReadStatus(cleanStale: false));
    }
}
