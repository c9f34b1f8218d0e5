using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Hids.Engine.Alerts;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.Alerts;

/// <summary>A real rsyslogd on loopback with its own temp config (never the system daemon or /etc/rsyslog.conf).</summary>
public sealed class LoopbackRsyslog : IDisposable
{
    private readonly Process _proc;
    public TempDir Dir { get; } = TestPaths.NewTempDir("hids-rsyslog");
    public int UdpPort { get; }
    public int TcpPort { get; }
    public string Output => Dir.Combine("received.log");

    public static string? Binary => new[] { "/usr/sbin/rsyslogd", "/sbin/rsyslogd" }.FirstOrDefault(File.Exists);

    public LoopbackRsyslog()
    {
        UdpPort = FreeUdpPort();
        TcpPort = LoopbackSmtp.FreeTcpPort();
        var conf = Dir.Combine("rsyslog.conf");
        File.WriteAllText(conf, $$"""
            global(workDirectory="{{Dir.Path}}" maxMessageSize="64k")
            module(load="imudp")
            module(load="imtcp")
            input(type="imudp" address="127.0.0.1" port="{{UdpPort}}")
            input(type="imtcp" address="127.0.0.1" port="{{TcpPort}}")
            template(name="hidstest" type="string" string="%inputname%|%pri%|%hostname%|%app-name%|%msgid%|%structured-data%|%msg%\n")
            *.* action(type="omfile" file="{{Output}}" template="hidstest")
            """);
        var psi = new ProcessStartInfo(Binary!, new[] { "-n", "-f", conf, "-i", Dir.Combine("rsyslogd.pid") })
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        _proc = Process.Start(psi)!;
        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            if (_proc.HasExited) throw new InvalidOperationException("rsyslogd exited: " + _proc.StandardError.ReadToEnd());
            try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, TcpPort); Thread.Sleep(200); return; }
            catch (SocketException) { Thread.Sleep(100); }
        }
        throw new InvalidOperationException("rsyslogd did not open its TCP port");
    }

    private static int FreeUdpPort()
    {
        using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)u.Client.LocalEndPoint!).Port;
    }

    public List<string> WaitForLines(int count, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        List<string> lines = new();
        while (DateTime.UtcNow < until)
        {
            if (File.Exists(Output))
            {
                using var fs = new FileStream(Output, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                lines = new StreamReader(fs).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
                if (lines.Count >= count) return lines;
            }
            Thread.Sleep(100);
        }
        return lines;
    }

    public void Dispose()
    {
        try { if (!_proc.HasExited) { _proc.Kill(); _proc.WaitForExit(10000); } } catch (InvalidOperationException) { }
        _proc.Dispose();
        Dir.Dispose();
    }
}

[Collection("alerts-syslog")]
public sealed class SyslogOutputTests
{
    private static string Msg(string line) => line.Split('|', 7)[6].TrimStart('\uFEFF');

    [Fact]
    public void Udp_default_format_and_tcp_json_format_reach_a_real_rsyslog()
    {
        Assert.True(LoopbackRsyslog.Binary is not null, "rsyslogd is not installed (./build.sh Deps installs it)");
        using var rs = new LoopbackRsyslog();
        using (var udp = new SyslogOutput(new SyslogOutputOptions { Server = "127.0.0.1", Port = rs.UdpPort, Protocol = "udp" }, NullLog.Instance))
        using (var tcp = new SyslogOutput(new SyslogOutputOptions { Server = "127.0.0.1", Port = rs.TcpPort, Protocol = "tcp", Format = "json", Group = { "syscheck" } }, NullLog.Instance))
        {
            var a550 = GuideAlerts.Rule550(); a550.AlertId = "1422611826.1";
            var ssh = GuideAlerts.Sshd(7, GuideAlerts.Jan30, "192.0.2.44", "root", level: 10); ssh.AlertId = "1422611826.2";
            foreach (var a in new[] { a550, ssh }) { udp.Write(a); tcp.Write(a); }
            udp.Flush(); tcp.Flush();
            Assert.Equal(2, udp.Sent);
            Assert.Equal(1, tcp.Sent); // group filter: only the syscheck alert
            Assert.Equal(0, udp.Errors + tcp.Errors);
        }
        var lines = rs.WaitForLines(3);
        Assert.Equal(3, lines.Count);
        var udpLines = lines.Where(l => l.StartsWith("imudp|")).ToList();
        var tcpLine = Assert.Single(lines, l => l.StartsWith("imtcp|"));
        Assert.Equal(2, udpLines.Count);

        var f = udpLines[0].Split('|', 7);
        Assert.Equal((16 * 8 + 4).ToString(), f[1]);   // local0.warning for level 7
        Assert.Equal("deft", f[2]);
        Assert.Equal("hids", f[3]);
        Assert.Equal("alert", f[4]);
        Assert.Equal("[hids@32473 id=\"1422611826.1\" rule=\"550\" level=\"7\" location=\"syscheck\"]", f[5]);
        var m = Msg(udpLines[0]);
        Assert.StartsWith("Alert Level: 7; Rule: 550 - Integrity checksum changed.; Location: deft->syscheck; Integrity checksum changed for: '/home/finid/sidebar.php' Size changed from '0' to '19'", m);
        Assert.Contains("New sha1sum is : '297b920c943134074690344a3da83f19483a93ef'", m);

        var s = udpLines[1].Split('|', 7);
        Assert.Equal((16 * 8 + 3).ToString(), s[1]);  // level 10 → error
        Assert.Contains("srcip=\"192.0.2.44\" user=\"root\"", s[5]);
        Assert.Contains("; srcip: 192.0.2.44; user: root; Jan 30 ", Msg(udpLines[1]));

        using var doc = JsonDocument.Parse(Msg(tcpLine));
        Assert.Equal(550, doc.RootElement.GetProperty("rule").GetProperty("id").GetInt32());
        Assert.Equal("/home/finid/sidebar.php", doc.RootElement.GetProperty("syscheck").GetProperty("path").GetString());
        Assert.Contains("What changed:\n0a1", doc.RootElement.GetProperty("full_log").GetString());
    }

    [Fact]
    public void An_absent_collector_counts_errors_and_never_blocks()
    {
        var port = LoopbackSmtp.FreeTcpPort();
        using var tcp = new SyslogOutput(new SyslogOutputOptions { Server = "127.0.0.1", Port = port, Protocol = "tcp" }, NullLog.Instance);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++) tcp.Write(GuideAlerts.Rule550());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30));
        tcp.Flush();
        Assert.Equal(0, tcp.Sent);
        Assert.True(tcp.Errors > 0);
        Assert.NotNull(tcp.LastError);
    }

    [Fact]
    public void Filters_and_message_size_limits()
    {
        var o = new SyslogOutput(new SyslogOutputOptions { Server = "127.0.0.1", Level = 8, RuleIds = { 5716 }, Location = "auth.log" });
        try
        {
            Assert.False(o.Accepts(GuideAlerts.Sshd(1, GuideAlerts.Jan30, "192.0.2.1", "root", level: 5)));
            Assert.True(o.Accepts(GuideAlerts.Sshd(1, GuideAlerts.Jan30, "192.0.2.1", "root", level: 9)));
            Assert.False(o.Accepts(GuideAlerts.Rule550()));
            o.MaxMessageBytes = 300;
            var big = GuideAlerts.Rule550(); big.FullLog = new string('é', 5000);
            var bytes = o.Format(big);
            Assert.True(bytes.Length <= 300);
            _ = System.Text.Encoding.UTF8.GetString(bytes); // still valid UTF-8 (no split sequence)
            Assert.DoesNotContain((byte)'\n', bytes);
        }
        finally { o.Dispose(); }
    }
}
