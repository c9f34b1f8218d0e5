using Hids.Engine.Core;
using Hids.Engine.Monitor;

namespace Hids.Engine.Tests.Monitor;

public sealed class MonitorControlTests
{
    [Fact]
    public void The_status_a_reader_sees_follows_the_pid_and_the_last_status_file()
    {
        using var dir = TestPaths.NewTempDir("hids-mc");
        var paths = new InstancePaths(dir.Combine("inst"));
        Directory.CreateDirectory(paths.VarRun);

        var none = MonitorControl.CurrentStatus(paths, null, null);
        Assert.Equal(("NotRunning", false, (int?)null), (none.State, none.Running, none.StalePid));

        // A stale pid file: Crashed, with the pid it named; what the last monitor counted is kept.
        new MonitorStatus { State = "Running", Running = true, AlertsTotal = 7, StartedAt = DateTimeOffset.Now.AddHours(-1) }.Write(paths.StatusFile);
        var crashed = MonitorControl.CurrentStatus(paths, null, 424242);
        Assert.Equal(("Crashed", false, (int?)424242, 7L), (crashed.State, crashed.Running, crashed.StalePid, crashed.AlertsTotal));
        new MonitorStatus { State = "Failed" }.Write(paths.StatusFile);
        Assert.Equal("Failed", MonitorControl.CurrentStatus(paths, null, 424242).State);

        // Running: uptime and memory of the live process; a status file not refreshed for over 30 s means Unresponsive.
        var started = DateTimeOffset.Now.AddMinutes(-5);
        new MonitorStatus { State = "Running", Running = true, StartedAt = started, UpdatedAt = DateTimeOffset.Now }.Write(paths.StatusFile);
        var live = MonitorControl.CurrentStatus(paths, Environment.ProcessId, null);
        Assert.Equal(("Running", true, Environment.ProcessId), (live.State, live.Running, live.Pid));
        Assert.InRange(live.Uptime, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6));
        Assert.True(live.ResidentMemoryBytes > 0);
        new MonitorStatus { State = "Running", Running = true, StartedAt = started, UpdatedAt = DateTimeOffset.Now.AddMinutes(-1) }.Write(paths.StatusFile);
        Assert.Equal("Unresponsive", MonitorControl.CurrentStatus(paths, Environment.ProcessId, null).State);
        File.Delete(paths.StatusFile);
        Assert.Equal("Starting", MonitorControl.CurrentStatus(paths, Environment.ProcessId, null).State);
    }
}
