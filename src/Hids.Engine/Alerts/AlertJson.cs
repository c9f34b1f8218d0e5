using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hids.Engine.Analysis;

namespace Hids.Engine.Alerts;

/// <summary>
/// The stable JSON form of an alert (logs/alerts/alerts.json, syslog format json, the alert store's row body).
/// Every documented key (docs/alert-schema.md) is always written; unknown values are null. Keys are snake_case.
/// </summary>
public static class AlertJson
{
    /// <summary>Schema version written as "schema"; bumped only for incompatible changes (keys are never renamed).</summary>
    public const int SchemaVersion = 1;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Keep '<', '>', '&', non-ASCII readable; control characters are still escaped, so one alert = one line.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>One alert as one line of JSON (no trailing newline).</summary>
    public static string Serialize(Alert a)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) Write(w, a);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The compact form (null values left out) kept in the alert store.</summary>
    public static string SerializeCompact(Alert a)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) Write(w, a, true);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static byte[] SerializeToUtf8(Alert a)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) Write(w, a);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter w, Alert a) => Write(w, a, false);

    /// <summary>compact: leave out null values (the store's row bodies; readers treat a missing key as null).</summary>
    public static void Write(Utf8JsonWriter w, Alert a, bool c)
    {
        w.WriteStartObject();
        w.WriteString("timestamp", a.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("id", a.AlertId);
        w.WriteNumber("store_id", a.Id);
        w.WriteNumber("schema", SchemaVersion);
        w.WriteStartObject("rule");
        w.WriteNumber("id", a.RuleId);
        w.WriteNumber("level", a.Level);
        w.WriteString("description", a.Description);
        w.WriteStartArray("groups");
        foreach (var g in a.Groups) w.WriteStringValue(g);
        w.WriteEndArray();
        w.WriteNumber("firedtimes", a.FiredTimes);
        w.WriteBoolean("alert_by_email", a.AlertByEmail);
        w.WriteBoolean("no_email_alert", a.NoEmail);
        w.WriteBoolean("no_log", a.NoLog);
        Str(w, c, "info", a.RuleInfo);
        w.WriteEndObject();
        w.WriteStartObject("agent");
        w.WriteString("name", a.Host);
        w.WriteEndObject();
        w.WriteString("location", a.Location);
        Str(w, c, "decoder", a.Decoder);
        Str(w, c, "program_name", a.ProgramName);
        Str(w, c, "srcip", a.SrcIp);
        Str(w, c, "dstip", a.DstIp);
        Str(w, c, "srcport", a.SrcPort);
        Str(w, c, "dstport", a.DstPort);
        Str(w, c, "protocol", a.Protocol);
        Str(w, c, "action", a.Action);
        Str(w, c, "user", a.User);
        Str(w, c, "dstuser", a.DstUser);
        Str(w, c, "url", a.Url);
        Str(w, c, "event_id", a.EventId);
        Str(w, c, "status", a.Status);
        Str(w, c, "data", a.Data);
        Str(w, c, "extra_data", a.ExtraData);
        Str(w, c, "system_name", a.SystemName);
        w.WriteString("full_log", a.FullLog);
        Str(w, c, "previous_output", a.PreviousOutput);
        w.WriteStartArray("previous_events");
        foreach (var e in a.PreviousEvents) w.WriteStringValue(e);
        w.WriteEndArray();
        if (a.Syscheck is null) { if (!c) w.WriteNull("syscheck"); }
        else
        {
            var s = a.Syscheck;
            w.WriteStartObject("syscheck");
            w.WriteString("path", s.Path);
            w.WriteString("event", s.Event);
            Num(w, c, "size_before", s.SizeBefore); Num(w, c, "size_after", s.SizeAfter);
            Str(w, c, "perm_before", s.PermBefore); Str(w, c, "perm_after", s.PermAfter);
            Str(w, c, "uid_before", s.UidBefore); Str(w, c, "uid_after", s.UidAfter);
            Str(w, c, "gid_before", s.GidBefore); Str(w, c, "gid_after", s.GidAfter);
            Str(w, c, "owner_before", s.OwnerBefore); Str(w, c, "owner_after", s.OwnerAfter);
            Str(w, c, "group_before", s.GroupBefore); Str(w, c, "group_after", s.GroupAfter);
            Str(w, c, "md5_before", s.Md5Before); Str(w, c, "md5_after", s.Md5After);
            Str(w, c, "sha1_before", s.Sha1Before); Str(w, c, "sha1_after", s.Sha1After);
            Str(w, c, "sha256_before", s.Sha256Before); Str(w, c, "sha256_after", s.Sha256After);
            Time(w, c, "mtime_before", s.MtimeBefore); Time(w, c, "mtime_after", s.MtimeAfter);
            Num(w, c, "inode_before", s.InodeBefore); Num(w, c, "inode_after", s.InodeAfter);
            Str(w, c, "diff", s.Diff);
            w.WriteStartArray("changed_attributes");
            foreach (var ca in s.ChangedAttributes) w.WriteStringValue(ca);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void Str(Utf8JsonWriter w, bool c, string name, string? v) { if (v is null) { if (!c) w.WriteNull(name); } else w.WriteString(name, v); }
    private static void Num(Utf8JsonWriter w, bool c, string name, long? v) { if (v is null) { if (!c) w.WriteNull(name); } else w.WriteNumber(name, v.Value); }
    private static void Time(Utf8JsonWriter w, bool c, string name, DateTimeOffset? v)
    {
        if (v is null) { if (!c) w.WriteNull(name); }
        else w.WriteString(name, v.Value.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Reads an alert back from its JSON form (the store's rows, alerts.json lines).</summary>
    public static Alert Deserialize(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromElement(doc.RootElement);
    }

    public static Alert Deserialize(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        using var doc = JsonDocument.ParseValue(ref reader);
        return FromElement(doc.RootElement);
    }

    public static Alert FromElement(JsonElement r)
    {
        // One pass over the properties (no repeated lookups): the store reads thousands of these per query.
        var a = new Alert();
        foreach (var p in r.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "timestamp": a.Time = ParseTime(v.GetString()!); break;
                case "id": a.AlertId = Str(v) ?? ""; break;
                case "store_id": if (v.ValueKind == JsonValueKind.Number) a.Id = v.GetInt64(); break;
                case "location": a.Location = Str(v) ?? ""; break;
                case "decoder": a.Decoder = Str(v); break;
                case "program_name": a.ProgramName = Str(v); break;
                case "srcip": a.SrcIp = Str(v); break;
                case "dstip": a.DstIp = Str(v); break;
                case "srcport": a.SrcPort = Str(v); break;
                case "dstport": a.DstPort = Str(v); break;
                case "protocol": a.Protocol = Str(v); break;
                case "action": a.Action = Str(v); break;
                case "user": a.User = Str(v); break;
                case "dstuser": a.DstUser = Str(v); break;
                case "url": a.Url = Str(v); break;
                case "event_id": a.EventId = Str(v); break;
                case "status": a.Status = Str(v); break;
                case "data": a.Data = Str(v); break;
                case "extra_data": a.ExtraData = Str(v); break;
                case "system_name": a.SystemName = Str(v); break;
                case "full_log": a.FullLog = Str(v) ?? ""; break;
                case "previous_output": a.PreviousOutput = Str(v); break;
                case "previous_events": a.PreviousEvents = Arr(v); break;
                case "agent": if (v.ValueKind == JsonValueKind.Object) a.Host = S(v, "name") ?? ""; break;
                case "rule":
                    if (v.ValueKind != JsonValueKind.Object) break;
                    foreach (var q in v.EnumerateObject())
                    {
                        var x = q.Value;
                        switch (q.Name)
                        {
                            case "id": a.RuleId = x.GetInt32(); break;
                            case "level": a.Level = x.GetInt32(); break;
                            case "description": a.Description = Str(x) ?? ""; break;
                            case "groups": a.Groups = Arr(x); break;
                            case "firedtimes": if (x.ValueKind == JsonValueKind.Number) a.FiredTimes = x.GetInt32(); break;
                            case "alert_by_email": a.AlertByEmail = x.ValueKind == JsonValueKind.True; break;
                            case "no_email_alert": a.NoEmail = x.ValueKind == JsonValueKind.True; break;
                            case "no_log": a.NoLog = x.ValueKind == JsonValueKind.True; break;
                            case "info": a.RuleInfo = Str(x); break;
                        }
                    }
                    break;
                case "syscheck":
                    if (v.ValueKind != JsonValueKind.Object) break;
                    var sc = new SyscheckDetails();
                    foreach (var q in v.EnumerateObject())
                    {
                        var x = q.Value;
                        switch (q.Name)
                        {
                            case "path": sc.Path = Str(x) ?? ""; break;
                            case "event": sc.Event = Str(x) ?? ""; break;
                            case "size_before": sc.SizeBefore = Long(x); break;
                            case "size_after": sc.SizeAfter = Long(x); break;
                            case "perm_before": sc.PermBefore = Str(x); break;
                            case "perm_after": sc.PermAfter = Str(x); break;
                            case "uid_before": sc.UidBefore = Str(x); break;
                            case "uid_after": sc.UidAfter = Str(x); break;
                            case "gid_before": sc.GidBefore = Str(x); break;
                            case "gid_after": sc.GidAfter = Str(x); break;
                            case "owner_before": sc.OwnerBefore = Str(x); break;
                            case "owner_after": sc.OwnerAfter = Str(x); break;
                            case "group_before": sc.GroupBefore = Str(x); break;
                            case "group_after": sc.GroupAfter = Str(x); break;
                            case "md5_before": sc.Md5Before = Str(x); break;
                            case "md5_after": sc.Md5After = Str(x); break;
                            case "sha1_before": sc.Sha1Before = Str(x); break;
                            case "sha1_after": sc.Sha1After = Str(x); break;
                            case "sha256_before": sc.Sha256Before = Str(x); break;
                            case "sha256_after": sc.Sha256After = Str(x); break;
                            case "mtime_before": sc.MtimeBefore = x.ValueKind == JsonValueKind.String ? ParseTime(x.GetString()!) : null; break;
                            case "mtime_after": sc.MtimeAfter = x.ValueKind == JsonValueKind.String ? ParseTime(x.GetString()!) : null; break;
                            case "inode_before": sc.InodeBefore = Long(x); break;
                            case "inode_after": sc.InodeAfter = Long(x); break;
                            case "diff": sc.Diff = Str(x); break;
                            case "changed_attributes": sc.ChangedAttributes = Arr(x); break;
                        }
                    }
                    a.Syscheck = sc;
                    break;
            }
        }
        return a;
    }

    private static DateTimeOffset ParseTime(string s)
        => DateTimeOffset.TryParseExact(s, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture,
               System.Globalization.DateTimeStyles.None, out var t)
            ? t : DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    private static string? Str(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    private static long? Long(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
    private static string[] Arr(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Array) return Array.Empty<string>();
        var list = new string[v.GetArrayLength()];
        int i = 0;
        foreach (var x in v.EnumerateArray()) list[i++] = x.GetString() ?? "";
        return list;
    }

    private static string? S(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
