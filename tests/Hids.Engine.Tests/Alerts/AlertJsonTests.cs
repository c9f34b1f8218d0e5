using System.Text.Json;
using System.Text.RegularExpressions;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;

namespace Hids.Engine.Tests.Alerts;

public sealed class AlertJsonTests
{
    /// <summary>key → documented type, read from docs/alert-schema.md.</summary>
    private static Dictionary<string, string> DocumentedKeys()
    {
        var doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "alert-schema.md"));
        var keys = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(doc, @"^\| `([a-z0-9_.]+)` \| ([a-z ]+?) \|", RegexOptions.Multiline))
            keys[m.Groups[1].Value] = m.Groups[2].Value.Trim();
        return keys;
    }

    private static Dictionary<string, JsonElement> Flatten(JsonElement e, string prefix = "")
    {
        var d = new Dictionary<string, JsonElement>();
        foreach (var p in e.EnumerateObject())
        {
            var key = prefix + p.Name;
            d[key] = p.Value;
            if (p.Value.ValueKind == JsonValueKind.Object) foreach (var kv in Flatten(p.Value, key + ".")) d[kv.Key] = kv.Value;
        }
        return d;
    }

    private static bool TypeMatches(string type, JsonElement v)
    {
        bool nullable = type.EndsWith(" or null");
        var t = nullable ? type[..^8] : type;
        if (v.ValueKind == JsonValueKind.Null) return nullable;
        return t switch
        {
            "string" => v.ValueKind == JsonValueKind.String,
            "integer" => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _),
            "boolean" => v.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "object" => v.ValueKind == JsonValueKind.Object,
            "array of string" => v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String),
            _ => throw new InvalidOperationException("unknown documented type " + type),
        };
    }

    public static IEnumerable<object[]> Samples()
    {
        yield return new object[] { "550", GuideAlerts.Rule550() };
        yield return new object[] { "533", GuideAlerts.Rule533() };
        yield return new object[] { "502", GuideAlerts.Rule502() };
        var full = GuideAlerts.Sshd(3, DateTimeOffset.Now, "192.0.2.7", "root");
        full.DstIp = "10.0.0.1"; full.SrcPort = "4242"; full.DstPort = "22"; full.Protocol = "tcp"; full.Action = "deny";
        full.DstUser = "x"; full.Url = "/u"; full.EventId = "4625"; full.Status = "fail"; full.Data = "d"; full.ExtraData = "e";
        full.SystemName = "s"; full.PreviousEvents = new[] { "earlier 1", "earlier 2" }; full.FiredTimes = 8; full.RuleInfo = "see CVE";
        full.AlertByEmail = true;
        yield return new object[] { "full", full };
        var sc = GuideAlerts.Rule550();
        sc.Syscheck!.MtimeBefore = DateTimeOffset.Now.AddDays(-1); sc.Syscheck.MtimeAfter = DateTimeOffset.Now;
        sc.Syscheck.InodeBefore = 12; sc.Syscheck.InodeAfter = 13; sc.Syscheck.PermBefore = "100644"; sc.Syscheck.PermAfter = "100600";
        sc.Syscheck.Sha256Before = new string('a', 64); sc.Syscheck.Sha256After = new string('b', 64);
        yield return new object[] { "syscheck-all", sc };
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_documented_key_is_present_and_typed_and_every_key_is_documented(string name, Alert alert)
    {
        alert.Id = 42; alert.AlertId = "1422611826.42";
        var documented = DocumentedKeys();
        Assert.True(documented.Count > 60, "schema table not found in docs/alert-schema.md");
        var line = AlertJson.Serialize(alert);
        Assert.DoesNotContain('\n', line);
        using var doc = JsonDocument.Parse(line);
        var flat = Flatten(doc.RootElement);
        foreach (var (key, type) in documented)
        {
            if (key.StartsWith("syscheck.") && alert.Syscheck is null) continue; // syscheck is null as a whole
            Assert.True(flat.ContainsKey(key), $"{name}: documented key '{key}' missing");
            Assert.True(TypeMatches(type, flat[key]), $"{name}: key '{key}' is {flat[key].ValueKind}, documented as {type}");
        }
        foreach (var key in flat.Keys) Assert.True(documented.ContainsKey(key), $"{name}: key '{key}' is not documented");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Json_round_trips_every_field(string name, Alert alert)
    {
        var json = AlertJson.Serialize(alert);
        var back = AlertJson.Deserialize(json);
        Assert.Equal(json, AlertJson.Serialize(back));
        Assert.Equal(alert.Time.ToUnixTimeMilliseconds(), back.Time.ToUnixTimeMilliseconds());
        Assert.Equal(alert.Time.Offset, back.Time.Offset);
        Assert.Equal(alert.FullLog, back.FullLog);
        Assert.Equal(name == "full", back.AlertByEmail);
    }

    [Fact]
    public void Timestamp_is_iso8601_with_offset_and_ms()
    {
        var a = GuideAlerts.Rule502(new DateTimeOffset(2015, 1, 30, 8, 22, 52, 123, TimeSpan.FromHours(1)));
        using var doc = JsonDocument.Parse(AlertJson.Serialize(a));
        Assert.Equal("2015-01-30T08:22:52.123+01:00", doc.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("syscheck").ValueKind);
    }
}
