using Hids.Engine.Alerts;
using Hids.Engine.Analysis;

namespace Hids.Engine.Tests.Alerts;

public sealed class AlertStoreTests : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-store");
    private readonly List<Alert> _all = new();
    private readonly string _db;
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public AlertStoreTests()
    {
        _db = _dir.Combine("queue", "alerts.db");
        var rnd = new Random(42);
        string[] ips = { "192.0.2.1", "192.0.2.2", "198.51.100.7", "203.0.113.9" };
        string[] users = { "root", "admin", "alice", "bob" };
        for (int i = 0; i < 3000; i++)
        {
            var t = T0.AddMinutes(i);
            Alert a = (i % 10) switch
            {
                0 => GuideAlerts.Rule550(t),
                1 => GuideAlerts.Rule553(t),
                2 => GuideAlerts.Rule2902(t),
                3 => GuideAlerts.Rule533(t),
                _ => GuideAlerts.Sshd(i, t, ips[rnd.Next(ips.Length)], users[rnd.Next(users.Length)], level: 3 + rnd.Next(10), rule: 5700 + rnd.Next(20)),
            };
            if (a.Syscheck is not null && i % 20 == 0) a.Syscheck.Path = $"/etc/app{i % 7}/conf{i}.ini";
            _all.Add(a);
        }
        using var store = AlertStore.OpenWriter(_db);
        foreach (var chunk in _all.Chunk(500)) store.Add(chunk);
    }

    public void Dispose() => _dir.Dispose();

    private List<Alert> Query(AlertQuery q)
    {
        using var r = AlertStore.OpenReader(_db);
        return r.Query(q).ToList();
    }

    private static void SameIds(IEnumerable<Alert> expected, IEnumerable<Alert> actual)
        => Assert.Equal(expected.Select(a => a.Id).ToArray(), actual.Select(a => a.Id).ToArray());

    [Fact]
    public void Ids_are_assigned_in_order_and_alert_ids_are_epoch_dot_id()
    {
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), _all.Select(a => a.Id));
        Assert.Equal($"{_all[5].Time.ToUnixTimeSeconds()}.6", _all[5].AlertId);
        var back = Query(new AlertQuery());
        Assert.Equal(3000, back.Count);
        Assert.Equal(AlertJson.Serialize(_all[0]), AlertJson.Serialize(back[0]));
        Assert.Equal(AlertJson.Serialize(_all[2999]), AlertJson.Serialize(back[2999]));
    }

    [Fact]
    public void Filters_match_a_linq_oracle()
    {
        SameIds(_all.Where(a => a.Level >= 10), Query(new AlertQuery { MinimumLevel = 10 }));
        SameIds(_all.Where(a => a.RuleId is 550 or 553), Query(new AlertQuery { RuleIds = new[] { 550, 553 } }));
        SameIds(_all.Where(a => a.Groups.Contains("syscheck")), Query(new AlertQuery { Groups = new[] { "SYSCHECK" } }));
        SameIds(_all.Where(a => a.Groups.Contains("dpkg") || a.Groups.Contains("authentication_failed")),
            Query(new AlertQuery { Groups = new[] { "dpkg", "authentication_failed," } }));
        var since = T0.AddMinutes(100); var until = T0.AddMinutes(250);
        SameIds(_all.Where(a => a.Time >= since && a.Time <= until), Query(new AlertQuery { Since = since, Until = until }));
        SameIds(_all.Where(a => a.SrcIp == "192.0.2.2"), Query(new AlertQuery { SourceIps = new[] { "192.0.2.2" } }));
        SameIds(_all.Where(a => a.User == "alice"), Query(new AlertQuery { Users = new[] { "Alice" } }));
        SameIds(_all.Where(a => a.Syscheck?.Path == "/home/user5/footer.php"), Query(new AlertQuery { Paths = new[] { "/home/user5/footer.php" } }));
        SameIds(_all.Where(a => a.Syscheck?.Path.StartsWith("/etc/app3/") == true), Query(new AlertQuery { Paths = new[] { "/etc/app3/*" } }));
        // combined
        SameIds(_all.Where(a => a.Level >= 8 && a.SrcIp == "203.0.113.9" && a.Time >= since),
            Query(new AlertQuery { MinimumLevel = 8, SourceIps = new[] { "203.0.113.9" }, Since = since }));
    }

    [Fact]
    public void First_and_last_return_oldest_first()
    {
        var high = _all.Where(a => a.Level >= 9).ToList();
        SameIds(high.Take(5), Query(new AlertQuery { MinimumLevel = 9, First = 5 }));
        SameIds(high.TakeLast(5), Query(new AlertQuery { MinimumLevel = 9, Last = 5 }));
        SameIds(_all.Skip(2990), Query(new AlertQuery { AfterId = 2990 }));
    }

    [Fact]
    public void Match_finds_words_and_phrases_in_the_log_description_and_location()
    {
        SameIds(_all.Where(a => a.FullLog.Contains("sidebar.php")), Query(new AlertQuery { Match = "sidebar.php" }));
        SameIds(_all.Where(a => a.FullLog.Contains("Failed password for bob")), Query(new AlertQuery { Match = "failed password for BOB" }));
        SameIds(_all.Where(a => a.FullLog.Contains("nginx-common")), Query(new AlertQuery { Match = "nginx-comm*" }));
        SameIds(_all.Where(a => a.Description.Contains("Debian Package")), Query(new AlertQuery { Match = "debian package" }));
        // previous output of a command alert is searchable too
        SameIds(_all.Where(a => a.RuleId == 533), Query(new AlertQuery { Match = "0.0.0.0:111" }));
        Assert.Empty(Query(new AlertQuery { Match = "no such words anywhere" }));
        // words must be adjacent and in order (the rarest word drives the index, the phrase is checked after)
        Assert.Empty(Query(new AlertQuery { Match = "password root" }));
        Assert.Empty(Query(new AlertQuery { Match = "root for password" }));
        SameIds(_all.Where(a => a.FullLog.Contains("for root from 192.0.2.1 ")), Query(new AlertQuery { Match = "for root from 192.0.2.1" }));
        SameIds(_all.Where(a => a.FullLog.Contains("for root from 192.0.2.1 ")).TakeLast(3), Query(new AlertQuery { Match = "for root from 192.0.2.1", Last = 3 }));
        SameIds(_all.Where(a => a.FullLog.Contains("for adm")), Query(new AlertQuery { Match = "for adm*" }));
        Assert.Equal("\"sidebar php\"", AlertStore.ToFtsQuery("sidebar.php"));
        Assert.Equal("\"nginx comm\" *", AlertStore.ToFtsQuery("nginx-comm*"));
        Assert.Null(AlertStore.ToFtsQuery(":::"));
    }

    [Fact]
    public void Text_without_words_falls_back_to_a_scan()
    {
        var r = Query(new AlertQuery { Match = "::" , First = 3 });
        Assert.Empty(r); // no alert holds "::"
    }

    [Fact]
    public void A_reader_sees_new_alerts_while_the_writer_keeps_the_store_open()
    {
        using var writer = AlertStore.OpenWriter(_db);
        using var reader = AlertStore.OpenReader(_db);
        var max = reader.MaxId();
        writer.Add(GuideAlerts.Rule502(DateTimeOffset.Now));
        var fresh = reader.Query(new AlertQuery { AfterId = max }).ToList();
        Assert.Single(fresh);
        Assert.Equal(502, fresh[0].RuleId);
        Assert.Throws<InvalidOperationException>(() => reader.Add(GuideAlerts.Rule502()));
    }

    [Fact]
    public void Prune_removes_old_alerts_from_every_table_and_ids_are_never_reused()
    {
        using (var w = AlertStore.OpenWriter(_db))
        {
            var removed = w.Prune(T0.AddMinutes(1000));
            Assert.Equal(1000, removed);
            Assert.Equal(2000, w.Count());
            var a = GuideAlerts.Rule502(DateTimeOffset.Now);
            w.Add(a);
            Assert.Equal(3001, a.Id);
        }
        Assert.Empty(Query(new AlertQuery { Until = T0.AddMinutes(999) }));
        Assert.Equal(_all.Skip(1000).Count(a => a.Groups.Contains("syscheck")), Query(new AlertQuery { Groups = new[] { "syscheck" } }).Count);
        Assert.Equal(_all.Skip(1000).Count(a => a.FullLog.Contains("sidebar.php")), Query(new AlertQuery { Match = "sidebar.php" }).Count);
    }

    [Fact]
    public void Opening_a_missing_store_for_reading_fails_clearly()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => AlertStore.OpenReader(_dir.Combine("nope.db")));
        Assert.Contains("No alert store", ex.Message);
    }
}
