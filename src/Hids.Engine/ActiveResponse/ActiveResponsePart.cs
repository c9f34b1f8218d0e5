using Hids.Engine.Monitor;

namespace Hids.Engine.ActiveResponse;

/// <summary>
/// The monitor's seam for active response: a part that is an alert sink (after the dispatcher) and an event source
/// (its "Hids active-response: ..." events go back through analysis to rules 600-608). Wire it with
/// <c>parts.Components.Add(("active-response", ActiveResponsePart.Create))</c>.
/// </summary>
public static class ActiveResponsePart
{
    public static MonitorPart Create(MonitorContext context)
    {
        var responder = new ActiveResponder(context.Paths, context.Configuration, context.Emit, context.Log);
        return new MonitorPart("active-response")
        {
            Start = responder.Start,
            Sink = responder,
            Owner = responder,
            Status = () => responder.Status,
        };
    }
}
