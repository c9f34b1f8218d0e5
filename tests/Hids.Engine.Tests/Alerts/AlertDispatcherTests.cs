using Hids.Engine.Alerts;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.Alerts;

public sealed class AlertDispatcherTests : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-disp");
    private readonly InstancePaths _paths;

    public AlertDispatcherTests() { _paths = new InstancePaths(_dir.Path); }
    public void Dispose() => _dir.Dispose();

    private static HidsConfiguration Config(int logLevel = 1)
    {
        var c = new HidsConfiguration();
        c.Alerts.LogAlertLevel = logLevel;
        c.Global.EmailNotification = false;
        c.Global.AlertRetentionDays = 0; // the guide's alerts are from 2015
        return c;
    }

    [Fact]
    public void Alerts_log_has_the_ossec_layout()
    {
        using (var d = AlertOutputs.Create(_paths, Config(), NullLog.Instance, TimeProvider.System, background: false))
        {
            d.Write(GuideAlerts.Rule550());
            d.Write(GuideAlerts.Sshd(1, new DateTimeOffset(2015, 1, 30, 10, 0, 1, TimeSpan.Zero), "192.0.2.9", "root"));
        }
        var text = File.ReadAllText(_paths.AlertsLog);
        var expected =
            "** Alert 1422611826.1: - ossec,syscheck,\n" +
            "2015 Jan 30 09:57:06 deft->syscheck\n" +
            "Rule: 550 (level 7) -> 'Integrity checksum changed.'\n" +
            "Integrity checksum changed for: '/home/finid/sidebar.php'\n" +
            "Size changed from '0' to '19'\n" +
            "What changed:\n0a1\n> this is a php file\n\n" +
            "Old md5sum was: 'd41d8cd98f00b204e9800998ecf8427e'\n" +
            "New md5sum is : 'df4f22f84b5ceb2c31cbb391883f2c83'\n" +
            "Old sha1sum was: 'da39a3ee5e6b4b0d3255bfef95601890afd80709'\n" +
            "New sha1sum is : '297b920c943134074690344a3da83f19483a93ef'\n\n" +
            "** Alert 1422612001.2: - syslog,sshd,authentication_failed,\n" +
            "2015 Jan 30 10:00:01 deft->/var/log/auth.log\n" +
            "Rule: 5716 (level 5) -> 'SSHD authentication failed.'\n" +
            "Src IP: 192.0.2.9\n" +
            "User: root\n" +
            "Jan 30 09:01:00 deft sshd[1001]: Failed password for root from 192.0.2.9 port 22 ssh2\n\n";
        Assert.Equal(expected, text);
        var json = File.ReadAllLines(_paths.AlertsJson);
        Assert.Equal(2, json.Length);
        Assert.Equal(550, AlertJson.Deserialize(json[0]).RuleId);
        Assert.Equal("192.0.2.9", AlertJson.Deserialize(json[1]).SrcIp);
        Assert.Equal(1, AlertJson.Deserialize(json[0]).Id);
    }

    [Fact]
    public void Log_alert_level_and_no_log_keep_alerts_out_of_store_and_files()
    {
        using (var d = AlertOutputs.Create(_paths, Config(logLevel: 4), NullLog.Instance, TimeProvider.System, background: false))
        {
            d.Write(GuideAlerts.Rule502());            // level 3 < 4: not logged
            var quiet = GuideAlerts.Rule550(); quiet.NoLog = true;
            d.Write(quiet);                             // no_log
            d.Write(GuideAlerts.Rule553());             // logged
            Assert.Equal(3, d.Status.AlertsReceived);
            Assert.Equal(1, d.Status.AlertsStored);
            Assert.Equal(1, d.Status.AlertsPerMinute);
        }
        using var r = AlertStore.OpenReader(_paths.AlertStore);
        Assert.Equal(new[] { 553 }, r.Query(new AlertQuery()).Select(a => a.RuleId));
        Assert.Single(File.ReadAllLines(_paths.AlertsJson));
        Assert.Contains("Rule: 553 ", File.ReadAllText(_paths.AlertsLog));
        Assert.DoesNotContain("Rule: 550 ", File.ReadAllText(_paths.AlertsLog));
    }

    [Fact]
    public void Json_output_and_alerts_log_can_be_turned_off()
    {
        var c = Config(); c.Global.JsonOutput = false; c.Global.AlertsLog = false;
        using (var d = AlertOutputs.Create(_paths, c, NullLog.Instance, TimeProvider.System, background: false)) d.Write(GuideAlerts.Rule553());
        Assert.False(File.Exists(_paths.AlertsJson));
        Assert.False(File.Exists(_paths.AlertsLog));
        using var r = AlertStore.OpenReader(_paths.AlertStore);
        Assert.Equal(1, r.Count());
    }

    [Fact]
    public void Spooled_alerts_are_moved_into_the_store_on_start()
    {
        Directory.CreateDirectory(_paths.Queue);
        var spooled = GuideAlerts.Rule2902(); spooled.AlertId = "1422609556.s1";
        File.WriteAllText(Path.Combine(_paths.Queue, "alerts.spool"), AlertJson.Serialize(spooled) + "\n{\"torn");
        using (var d = AlertOutputs.Create(_paths, Config(), NullLog.Instance, TimeProvider.System, background: false))
            Assert.Equal(1, d.Status.AlertsStored);
        Assert.False(File.Exists(Path.Combine(_paths.Queue, "alerts.spool")));
        using var r = AlertStore.OpenReader(_paths.AlertStore);
        var a = Assert.Single(r.Query(new AlertQuery()));
        Assert.Equal("1422609556.s1", a.AlertId);
    }

    [Fact]
    public void Retention_prunes_old_alerts_on_start()
    {
        using (var s = AlertStore.OpenWriter(_paths.AlertStore))
        {
            s.Add(GuideAlerts.Rule550(DateTimeOffset.Now.AddDays(-40)));
            s.Add(GuideAlerts.Rule553(DateTimeOffset.Now.AddDays(-1)));
        }
        var c = Config(); c.Global.AlertRetentionDays = 30;
        using (var d = AlertOutputs.Create(_paths, c, NullLog.Instance, TimeProvider.System, background: false))
            Assert.Equal(1, d.Status.Pruned);
        using var r = AlertStore.OpenReader(_paths.AlertStore);
        Assert.Equal(new[] { 553 }, r.Query(new AlertQuery()).Select(a => a.RuleId));
    }
}
