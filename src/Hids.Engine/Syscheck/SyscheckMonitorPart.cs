using Hids.Engine.Monitor;

namespace Hids.Engine.Syscheck;

/// <summary>
/// How the monitor hosts syscheck: register with <c>parts.Components.Add(("syscheck", SyscheckMonitorPart.Create))</c>
/// (a source: started before the sinks, stopped before the event channel drains).
/// </summary>
public static class SyscheckMonitorPart
{
    public static MonitorPart? Create(MonitorContext ctx)
    {
        if (ctx.Configuration.Syscheck.Disabled || ctx.Configuration.Syscheck.Directories.Count == 0) return null;
        var svc = new SyscheckService(ctx.Paths, ctx.Configuration.Syscheck, ctx.Emit, ctx.Log);
        return new MonitorPart("syscheck") { Start = svc.Start, Status = () => svc.Status, Owner = svc, IsSource = true };
    }
}
