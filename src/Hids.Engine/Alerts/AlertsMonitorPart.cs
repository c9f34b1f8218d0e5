using Hids.Engine.Monitor;

namespace Hids.Engine.Alerts;

/// <summary>The alert outputs as a monitor component: register with <c>parts.Components.Add(("alerts", AlertsMonitorPart.Create))</c>.</summary>
public static class AlertsMonitorPart
{
    public static MonitorPart Create(MonitorContext ctx)
    {
        var d = AlertOutputs.Create(ctx.Paths, ctx.Configuration, ctx.Log);
        return new MonitorPart("alerts") { Sink = d, Status = () => d.Status, Owner = d };
    }
}
