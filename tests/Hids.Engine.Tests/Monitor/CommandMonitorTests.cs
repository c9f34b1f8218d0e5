using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Monitor;

namespace Hids.Engine.Tests.Monitor;

public sealed class CommandMonitorTests
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    private CommandMonitor Monitor(string command, string format, string? alias = null)
        => new(new[] { new LocalFileOptions { LogFormat = format, Command = command, Alias = alias, Frequency = 360 } }, _events.Enqueue);

    [Fact]
    public void Full_command_is_one_event_with_the_ossec_output_header()
    {
        using var m = Monitor("printf 'a\\nb\\n'", "full_command");
        m.RunAllOnce();
        Assert.True(_events.TryDequeue(out var e));
        Assert.Equal("ossec: output: 'printf 'a\\nb\\n'':\na\nb", e!.FullLog);
        Assert.Equal("printf 'a\\nb\\n'", e.Location);
        Assert.Equal("full_command", e.LogFormat);
        Assert.Empty(_events);
    }

    [Fact]
    public void Alias_names_the_location()
    {
        using var m = Monitor("echo hi", "full_command", alias: "greeting");
        m.RunAllOnce();
        Assert.True(_events.TryDequeue(out var e));
        Assert.Equal("greeting", e!.Location);
        Assert.Equal("ossec: output: 'greeting':\nhi", e.FullLog);
    }

    [Fact]
    public void Command_is_one_event_per_line()
    {
        using var m = Monitor("printf 'x\\ny\\n'", "command");
        m.RunAllOnce();
        Assert.Equal(new[] { "ossec: output: 'printf 'x\\ny\\n'': x", "ossec: output: 'printf 'x\\ny\\n'': y" }, _events.Select(e => e.FullLog));
    }

    [Fact]
    public void Hung_command_is_killed_after_the_timeout()
    {
        using var m = Monitor("echo before; sleep 60; echo after", "full_command");
        m.Timeout = TimeSpan.FromSeconds(1);
        m.RunAllOnce();
        var st = m.GetStatus().Single();
        Assert.True(st.LastTimedOut);
        Assert.True(_events.TryDequeue(out var e));
        Assert.Equal("before", e!.FullLog.Split('\n', 2)[1]);
    }

    [Fact]
    public void Guide_netstat_and_ss_commands_show_a_new_listening_port()
    {
        foreach (var cmd in new[] { "netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort", "ss -ltn" })
        {
            var sh = cmd.Split(' ')[0];
            if (!File.Exists("/usr/bin/" + sh) && !File.Exists("/bin/" + sh) && !File.Exists("/usr/sbin/" + sh) && !File.Exists("/sbin/" + sh)) continue;
            using var m = Monitor(cmd, "full_command");
            m.RunAllOnce();
            Assert.True(_events.TryDequeue(out var before));
            var l = new TcpListener(IPAddress.Any, 0);
            l.Start();
            try
            {
                var port = ((IPEndPoint)l.LocalEndpoint).Port;
                m.RunAllOnce();
                Assert.True(_events.TryDequeue(out var after));
                Assert.DoesNotContain($":{port} ", before!.FullLog);
                Assert.Contains($":{port} ", after!.FullLog);
            }
            finally { l.Stop(); }
        }
    }
}
