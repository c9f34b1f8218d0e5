using System.Text.Json;
using System.Text.Json.Serialization;
using Hids.Engine.ActiveResponse;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;
using Hids.Engine.Monitor;
using Hids.Engine.Rootcheck;
using Hids.Engine.Syscheck;

namespace Hids.Engine.Core;

/// <summary>
/// Every type the engine serializes with System.Text.Json, source-generated: no reflection at run time, so hidsd can
/// be published as Native AOT (docs/monitor.md). alerts.json has its own hand-written writer (AlertJson).
/// </summary>
[JsonSerializable(typeof(MonitorStatus))]
[JsonSerializable(typeof(SyscheckStatus))]
[JsonSerializable(typeof(RootcheckStatus))]
[JsonSerializable(typeof(AlertOutputStatus))]
[JsonSerializable(typeof(ActiveResponderStatus))]
[JsonSerializable(typeof(LogEvent))]
[JsonSerializable(typeof(List<LogCollector.SavedPosition>))]
[JsonSerializable(typeof(IntegrityReport))]
internal sealed partial class HidsJsonContext : JsonSerializerContext
{
}

/// <summary>The serializer contexts in use: compact (stores, positions), indented (reports), indented without nulls (status).</summary>
internal static class HidsJson
{
    public static readonly HidsJsonContext Compact = HidsJsonContext.Default;
    public static readonly HidsJsonContext Indented = new(new JsonSerializerOptions { WriteIndented = true });
    public static readonly HidsJsonContext Status = new(new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });
}
