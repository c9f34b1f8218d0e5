using Hids.Engine.Analysis;

namespace Hids.Engine.Alerts;

/// <summary>
/// An alert: an event a rule decided to report. The stable schema of alerts.json (docs/alert-schema.md) is this
/// type's JSON form. Plain properties only, so ConvertTo-Json and PowerShell remoting keep every field.
/// </summary>
public sealed class Alert
{
    /// <summary>Row id in the alert store (0 until stored).</summary>
    public long Id { get; set; }
    /// <summary>OSSEC-style alert id "epoch.offset", unique per instance.</summary>
    public string AlertId { get; set; } = "";
    public DateTimeOffset Time { get; set; }
    public int RuleId { get; set; }
    public int Level { get; set; }
    public string Description { get; set; } = "";
    public string[] Groups { get; set; } = Array.Empty<string>();
    /// <summary>The host the event came from (this host's name for local events).</summary>
    public string Host { get; set; } = "";
    public string Location { get; set; } = "";
    public string? Decoder { get; set; }
    public string? ProgramName { get; set; }
    public string? SrcIp { get; set; }
    public string? DstIp { get; set; }
    public string? SrcPort { get; set; }
    public string? DstPort { get; set; }
    public string? Protocol { get; set; }
    public string? Action { get; set; }
    public string? User { get; set; }
    public string? DstUser { get; set; }
    public string? Url { get; set; }
    public string? EventId { get; set; }
    public string? Status { get; set; }
    public string? Data { get; set; }
    public string? ExtraData { get; set; }
    public string? SystemName { get; set; }
    public string FullLog { get; set; } = "";
    /// <summary>For frequency rules: the earlier events that made the rule fire (OSSEC's "last events").</summary>
    public string[] PreviousEvents { get; set; } = Array.Empty<string>();
    public string? PreviousOutput { get; set; }
    public SyscheckDetails? Syscheck { get; set; }
    /// <summary>Rule options: no_email_alert, alert_by_email, no_log.</summary>
    public bool NoEmail { get; set; }
    public bool AlertByEmail { get; set; }
    public bool NoLog { get; set; }
    /// <summary>Times the rule has fired (frequency rules).</summary>
    public int FiredTimes { get; set; }
    public string? RuleInfo { get; set; }
}

/// <summary>A consumer of alerts: store, files, mail, syslog, active response.</summary>
public interface IAlertSink
{
    string Name { get; }
    /// <summary>Called once per alert, in order. Must not throw for a single bad alert; must be fast or queue.</summary>
    void Write(Alert alert);
    /// <summary>Persist anything buffered (called on shutdown and periodically).</summary>
    void Flush();
}
