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

    public static byte[] SerializeToUtf8(Alert a)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) Write(w, a);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter w, Alert a)
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
        Str(w, "info", a.RuleInfo);
        w.WriteEndObject();
        w.WriteStartObject("agent");
        w.WriteString("name", a.Host);
        w.WriteEndObject();
        w.WriteString("location", a.Location);
        Str(w, "decoder", a.Decoder);
        Str(w, "program_name", a.ProgramName);
        Str(w, "srcip", a.SrcIp);
        Str(w, "dstip", a.DstIp);
        Str(w, "srcport", a.SrcPort);
        Str(w, "dstport", a.DstPort);
        Str(w, "protocol", a.Protocol);
        Str(w, "action", a.Action);
        Str(w, "user", a.User);
        Str(w, "dstuser", a.DstUser);
        Str(w, "url", a.Url);
        Str(w, "event_id", a.EventId);
        Str(w, "status", a.Status);
        Str(w, "data", a.Data);
        Str(w, "extra_data", a.ExtraData);
        Str(w, "system_name", a.SystemName);
        w.WriteString("full_log", a.FullLog);
        Str(w, "previous_output", a.PreviousOutput);
        w.WriteStartArray("previous_events");
        foreach (var e in a.PreviousEvents) w.WriteStringValue(e);
        w.WriteEndArray();
        if (a.Syscheck is null) w.WriteNull("syscheck");
        else
        {
            var s = a.Syscheck;
            w.WriteStartObject("syscheck");
            w.WriteString("path", s.Path);
            w.WriteString("event", s.Event);
            Num(w, "size_before", s.SizeBefore); Num(w, "size_after", s.SizeAfter);
            Str(w, "perm_before", s.PermBefore); Str(w, "perm_after", s.PermAfter);
            Str(w, "uid_before", s.UidBefore); Str(w, "uid_after", s.UidAfter);
            Str(w, "gid_before", s.GidBefore); Str(w, "gid_after", s.GidAfter);
            Str(w, "owner_before", s.OwnerBefore); Str(w, "owner_after", s.OwnerAfter);
            Str(w, "group_before", s.GroupBefore); Str(w, "group_after", s.GroupAfter);
            Str(w, "md5_before", s.Md5Before); Str(w, "md5_after", s.Md5After);
            Str(w, "sha1_before", s.Sha1Before); Str(w, "sha1_after", s.Sha1After);
            Str(w, "sha256_before", s.Sha256Before); Str(w, "sha256_after", s.Sha256After);
            Time(w, "mtime_before", s.MtimeBefore); Time(w, "mtime_after", s.MtimeAfter);
            Num(w, "inode_before", s.InodeBefore); Num(w, "inode_after", s.InodeAfter);
            Str(w, "diff", s.Diff);
            w.WriteStartArray("changed_attributes");
            foreach (var c in s.ChangedAttributes) w.WriteStringValue(c);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void Str(Utf8JsonWriter w, string name, string? v) { if (v is null) w.WriteNull(name); else w.WriteString(name, v); }
    private static void Num(Utf8JsonWriter w, string name, long? v) { if (v is null) w.WriteNull(name); else w.WriteNumber(name, v.Value); }
    private static void Time(Utf8JsonWriter w, string name, DateTimeOffset? v)
    {
        if (v is null) w.WriteNull(name);
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
        var a = new Alert
        {
            Time = DateTimeOffset.Parse(r.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            AlertId = S(r, "id") ?? "",
            Id = r.TryGetProperty("store_id", out var sid) && sid.ValueKind == JsonValueKind.Number ? sid.GetInt64() : 0,
            Location = S(r, "location") ?? "",
            Decoder = S(r, "decoder"),
            ProgramName = S(r, "program_name"),
            SrcIp = S(r, "srcip"), DstIp = S(r, "dstip"), SrcPort = S(r, "srcport"), DstPort = S(r, "dstport"),
            Protocol = S(r, "protocol"), Action = S(r, "action"), User = S(r, "user"), DstUser = S(r, "dstuser"),
            Url = S(r, "url"), EventId = S(r, "event_id"), Status = S(r, "status"), Data = S(r, "data"),
            ExtraData = S(r, "extra_data"), SystemName = S(r, "system_name"),
            FullLog = S(r, "full_log") ?? "",
            PreviousOutput = S(r, "previous_output"),
            PreviousEvents = Arr(r, "previous_events"),
        };
        if (r.TryGetProperty("rule", out var rule) && rule.ValueKind == JsonValueKind.Object)
        {
            a.RuleId = rule.TryGetProperty("id", out var id) ? id.GetInt32() : 0;
            a.Level = rule.TryGetProperty("level", out var lv) ? lv.GetInt32() : 0;
            a.Description = S(rule, "description") ?? "";
            a.Groups = Arr(rule, "groups");
            a.FiredTimes = rule.TryGetProperty("firedtimes", out var ft) && ft.ValueKind == JsonValueKind.Number ? ft.GetInt32() : 0;
            a.AlertByEmail = B(rule, "alert_by_email");
            a.NoEmail = B(rule, "no_email_alert");
            a.NoLog = B(rule, "no_log");
            a.RuleInfo = S(rule, "info");
        }
        if (r.TryGetProperty("agent", out var agent) && agent.ValueKind == JsonValueKind.Object) a.Host = S(agent, "name") ?? "";
        if (r.TryGetProperty("syscheck", out var sc) && sc.ValueKind == JsonValueKind.Object)
        {
            a.Syscheck = new SyscheckDetails
            {
                Path = S(sc, "path") ?? "",
                Event = S(sc, "event") ?? "",
                SizeBefore = L(sc, "size_before"), SizeAfter = L(sc, "size_after"),
                PermBefore = S(sc, "perm_before"), PermAfter = S(sc, "perm_after"),
                UidBefore = S(sc, "uid_before"), UidAfter = S(sc, "uid_after"),
                GidBefore = S(sc, "gid_before"), GidAfter = S(sc, "gid_after"),
                OwnerBefore = S(sc, "owner_before"), OwnerAfter = S(sc, "owner_after"),
                GroupBefore = S(sc, "group_before"), GroupAfter = S(sc, "group_after"),
                Md5Before = S(sc, "md5_before"), Md5After = S(sc, "md5_after"),
                Sha1Before = S(sc, "sha1_before"), Sha1After = S(sc, "sha1_after"),
                Sha256Before = S(sc, "sha256_before"), Sha256After = S(sc, "sha256_after"),
                MtimeBefore = T(sc, "mtime_before"), MtimeAfter = T(sc, "mtime_after"),
                InodeBefore = L(sc, "inode_before"), InodeAfter = L(sc, "inode_after"),
                Diff = S(sc, "diff"),
                ChangedAttributes = Arr(sc, "changed_attributes"),
            };
        }
        return a;
    }

    private static string? S(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    private static long? L(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
    private static bool B(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
    private static DateTimeOffset? T(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null;
    private static string[] Arr(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array) return Array.Empty<string>();
        var list = new string[v.GetArrayLength()];
        int i = 0;
        foreach (var x in v.EnumerateArray()) list[i++] = x.GetString() ?? "";
        return list;
    }
}
