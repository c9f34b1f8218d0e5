using Hids.Engine.Core;
using Hids.Engine.Monitor;

namespace Hids.Engine.Tests.Monitor;

public sealed class SystemdUnitTests
{
    [Fact]
    public void Unit_is_notify_restarts_on_failure_and_is_hardened_but_can_write_its_instance()
    {
        var paths = new InstancePaths("/var/hids");
        var text = SystemdUnit.Render(paths, new[] { "/usr/bin/dotnet", "/opt/hids/hidsd.dll" });
        Assert.Contains("Type=notify\n", text);
        Assert.Contains("Restart=on-failure\n", text);
        Assert.Contains("ExecStart=\"/usr/bin/dotnet\" \"/opt/hids/hidsd.dll\" --instance \"/var/hids\" --foreground\n", text);
        Assert.Contains("ReadWritePaths=\"/var/hids\" -/etc/hosts.deny\n", text);
        Assert.Contains("NoNewPrivileges=yes\n", text);
        Assert.Contains("PrivateTmp=yes\n", text);
        Assert.Contains("ProtectHome=read-only\n", text);
        Assert.Contains("CAP_NET_ADMIN", text);
        Assert.Contains("CAP_DAC_READ_SEARCH", text);
        Assert.Contains("WantedBy=multi-user.target", text);
    }

    [Fact]
    public void Install_to_a_temp_path_writes_once_and_verifies()
    {
        using var dir = TestPaths.NewTempDir("hids-unit");
        var moduleDir = dir.Combine("module");
        Directory.CreateDirectory(moduleDir);
        File.WriteAllText(Path.Combine(moduleDir, "hidsd.dll"), "");
        var unit = dir.Combine("hids.service");
        var r1 = SystemdUnit.Install(new InstancePaths(dir.Combine("inst")), moduleDir, unit);
        Assert.True(r1.Written && r1.Changed);
        Assert.False(r1.Enabled); // not in a systemd folder
        var r2 = SystemdUnit.Install(new InstancePaths(dir.Combine("inst")), moduleDir, unit);
        Assert.False(r2.Changed);
        var v = SystemdUnit.Verify(unit);
        if (v is { } res)
        {
            Assert.True(res.code == 0, "systemd-analyze verify: " + res.output);
            Assert.DoesNotContain("Unknown key", res.output);
        }
    }

    [Fact]
    public void The_native_hidsd_runs_where_the_cpu_can_and_the_managed_one_elsewhere()
    {
        using var dir = TestPaths.NewTempDir("hids-unit");
        var moduleDir = dir.Combine("module");
        Directory.CreateDirectory(moduleDir);
        Assert.Throws<FileNotFoundException>(() => MonitorLauncher.HidsdCommand(moduleDir, true));
        // The Native AOT executable (megabytes; a dotnet apphost of a development build is a few KB and is not taken for it).
        var exe = Path.Combine(moduleDir, "hidsd");
        using (var f = File.Create(exe)) f.SetLength(11_000_000);
        File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal(new[] { exe }, MonitorLauncher.HidsdCommand(moduleDir, true));
        Assert.Equal(new[] { exe }, MonitorLauncher.HidsdCommand(moduleDir, false));   // nothing else to run: it says why itself
        var text = SystemdUnit.Render(new InstancePaths("/var/hids"), MonitorLauncher.HidsdCommand(moduleDir, true));
        Assert.Contains($"ExecStart=\"{exe}\" --instance \"/var/hids\" --foreground\n", text);
        // The package also ships the managed hidsd.dll: a CPU without x86-64-v3 runs that through the dotnet host.
        File.WriteAllText(Path.Combine(moduleDir, "hidsd.dll"), "");
        Assert.Equal(new[] { exe }, MonitorLauncher.HidsdCommand(moduleDir, true));
        var managed = MonitorLauncher.HidsdCommand(moduleDir, false);
        Assert.Equal(2, managed.Length);
        Assert.Equal(Path.Combine(moduleDir, "hidsd.dll"), managed[1]);
        // A development build: the apphost beside the dll is not the native executable.
        File.WriteAllBytes(exe, new byte[70_000]);
        Assert.Equal(Path.Combine(moduleDir, "hidsd.dll"), MonitorLauncher.HidsdCommand(moduleDir, true)[1]);
    }

    [Fact]
    public void A_path_with_a_quote_is_refused()
        => Assert.Throws<ArgumentException>(() => SystemdUnit.Render(new InstancePaths("/tmp/a\"b"), new[] { "/x/hidsd" }));
}
