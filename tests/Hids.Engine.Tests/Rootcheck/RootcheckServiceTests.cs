using System.Collections.Concurrent;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Rootcheck;
using Xunit.Abstractions;

namespace Hids.Engine.Tests.Rootcheck;

internal sealed class ListLog : IHidsLog
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public void Write(LogLevel level, string component, string message) => Lines.Enqueue($"{level} {component}: {message}");
}

public sealed class RootcheckServiceTests
{
    private readonly ITestOutputHelper _out;
    public RootcheckServiceTests(ITestOutputHelper output) => _out = output;

    private static RootcheckOptions PlantedOptions(RootcheckTestRoot root, string filesDb, string trojansDb) => new()
    {
        BasePath = root.Path, RootkitFiles = filesDb, RootkitTrojans = trojansDb,
    };

    [Fact]
    public void Run_turns_every_finding_into_a_rootcheck_event_between_start_and_end_messages()
    {
        using var inst = TestPaths.NewTempDir("hids-inst");
        using var root = new RootcheckTestRoot();
        Directory.CreateDirectory(root.Full("usr/src/.puta"));
        root.Binary("bin/ls", "/usr/include/file.h");
        root.File_("dev/.lib/1iOn.sh");
        root.File_("sys/class/net/eth0/flags", "0x1103");
        string files = Path.Combine(inst.Path, "files.txt"), trojans = Path.Combine(inst.Path, "trojans.txt");
        File.WriteAllText(files, "usr/src/.puta/ ! T0rn\n");
        File.WriteAllText(trojans, "ls !^/usr/include/file\\.h$!\n");
        var events = new List<LogEvent>();
        var log = new ListLog();
        var progress = new List<RootcheckProgress>();
        using var svc = new RootcheckService(new InstancePaths(inst.Path), PlantedOptions(root, files, trojans), events.Add, log);
        var found = svc.Run(new SyncProgress(progress.Add));

        Assert.Contains(found, f => f.Check == RootcheckCheck.Files && f.Path == "/usr/src/.puta");
        Assert.Contains(found, f => f.Check == RootcheckCheck.Trojans && f.Path == "/bin/ls");
        Assert.Contains(found, f => f.Check == RootcheckCheck.Dev && f.Path == "/dev/.lib/1iOn.sh");
        Assert.Contains(found, f => f.Check == RootcheckCheck.Interfaces && f.Interface == "eth0");
        // pids and ports need the live system: with a base path and no injected view they are skipped, and said so
        Assert.DoesNotContain(found, f => f.Check is RootcheckCheck.Pids or RootcheckCheck.Ports);
        Assert.Contains(log.Lines, l => l.Contains("Pids skipped"));

        Assert.Equal("Starting rootcheck scan.", events[0].FullLog);
        Assert.Equal("Ending rootcheck scan.", events[^1].FullLog);
        Assert.Equal(found.Count + 2, events.Count);
        Assert.All(events, e => { Assert.Equal("rootcheck", e.Location); Assert.Equal("rootcheck", e.DecoderName); Assert.Equal(e.FullLog, e.Log); });
        Assert.Equal(found.Select(f => f.Message), events.Skip(1).SkipLast(1).Select(e => e.FullLog));
        Assert.Contains(progress, p => p.Check == RootcheckCheck.Sys && p.PercentComplete == 100);
        Assert.Empty(svc.Diagnostics);
    }

    private sealed class SyncProgress(Action<RootcheckProgress> a) : IProgress<RootcheckProgress>
    {
        public void Report(RootcheckProgress value) => a(value);
    }

    [Fact]
    public void Check_selection_switches_and_ignore_are_honoured()
    {
        using var inst = TestPaths.NewTempDir("hids-inst");
        using var root = new RootcheckTestRoot();
        root.File_("dev/.lib/a");
        root.File_("dev/.lib/b");
        var opts = new RootcheckOptions
        {
            BasePath = root.Path, CheckFiles = false, CheckTrojans = false, CheckSys = false, CheckPids = false, CheckPorts = false, CheckIf = false,
            Ignore = { new IgnoreEntry { Value = "^/dev/.lib/b", Type = "sregex" } },
        };
        using var svc = new RootcheckService(new InstancePaths(inst.Path), opts, _ => { }, new ListLog());
        Assert.Equal(new[] { RootcheckCheck.Dev }, svc.EnabledChecks());
        var found = svc.Run();
        Assert.Equal(new[] { "/dev/.lib/a" }, found.Select(f => f.Path));
        Assert.Empty(svc.Run(new[] { RootcheckCheck.Interfaces }, null));
        Assert.Equal(new[] { RootcheckCheck.Interfaces }, svc.LastChecks);
    }

    [Fact]
    public void Missing_configured_database_falls_back_to_the_shipped_one_with_a_diagnostic()
    {
        using var inst = TestPaths.NewTempDir("hids-inst");
        using var root = new RootcheckTestRoot();
        Directory.CreateDirectory(root.Full("usr/src/.puta"));
        var opts = new RootcheckOptions { BasePath = root.Path, RootkitFiles = "/var/ossec/etc/shared/rootkit_files.txt" };
        using var svc = new RootcheckService(new InstancePaths(inst.Path), opts, _ => { }, new ListLog());
        var found = svc.Run(new[] { RootcheckCheck.Files }, null);
        Assert.Contains(found, f => f.Path == "/usr/src/.puta" && f.Message.StartsWith("Rootkit 'T0rn rootkit'", StringComparison.Ordinal));
        Assert.Contains(svc.Diagnostics, d => d.Code == "HIDS7020");
    }

    [Fact]
    public void Start_runs_periodically_and_disabled_does_nothing()
    {
        using var inst = TestPaths.NewTempDir("hids-inst");
        using var root = new RootcheckTestRoot();
        var events = new ConcurrentQueue<LogEvent>();
        var opts = new RootcheckOptions { BasePath = root.Path, Disabled = true, CheckSys = false };
        using (var off = new RootcheckService(new InstancePaths(inst.Path), opts, events.Enqueue, new ListLog()) { InitialDelay = TimeSpan.Zero })
        {
            off.Start();
            Thread.Sleep(300);
        }
        Assert.Empty(events);

        opts.Disabled = false;
        using var on = new RootcheckService(new InstancePaths(inst.Path), opts, events.Enqueue, new ListLog()) { InitialDelay = TimeSpan.FromMilliseconds(50) };
        on.Start();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!events.Any(e => e.FullLog == "Ending rootcheck scan.") && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Contains(events, e => e.FullLog == "Ending rootcheck scan.");
    }

    [Fact]
    [Trait("Category", "Host")]
    public void Real_probe_of_this_machine_finds_no_hidden_process_and_no_hidden_port()
    {
        var scanner = new RootcheckScanner("/", new RootcheckOptions());
        var pids = scanner.CheckPids(new LinuxProcView(), null, default).ToList();
        Assert.True(pids.Count == 0, string.Join("\n", pids.Select(p => p.Message + " " + p.Evidence)));
        // bind tests on loopback only (tests touch nothing else); listed ports come from the real /proc/net tables
        var ports = scanner.CheckPorts(new LinuxPortView("/proc", System.Net.IPAddress.Loopback), null, default).ToList();
        Assert.True(ports.Count == 0, string.Join("\n", ports.Select(p => p.Message + " " + p.Evidence)));
    }

    [Fact]
    [Trait("Category", "Host")]
    public void Clean_run_on_this_machine_has_no_high_or_medium_finding()
    {
        using var inst = TestPaths.NewTempDir("hids-inst");
        var events = new List<LogEvent>();
        // the shipped databases are found beside the engine or in the source tree's rules/rootcheck
        var opts = new RootcheckOptions { CheckPorts = false }; // ports: covered on loopback above
        using var svc = new RootcheckService(new InstancePaths(inst.Path), opts, events.Add, new ListLog());
        var found = svc.Run();
        foreach (var f in found) _out.WriteLine($"{f.Severity} {f.Check}: {f.Message} [{f.Evidence}]");
        Assert.Empty(svc.Diagnostics);
        var serious = found.Where(f => f.Severity >= RootcheckSeverity.Medium).ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(f => f.Message)));
    }
}

public sealed class RootcheckMonitorPartTests
{
    [Fact]
    public void Monitor_part_starts_the_service_and_reports_its_status()
    {
        using var inst = TestPaths.NewTempDir("hids-inst");
        using var root = new RootcheckTestRoot();
        root.File_("dev/.lib/x");
        var cfg = new HidsConfiguration();
        cfg.Rootcheck.BasePath = root.Path;
        cfg.Rootcheck.CheckSys = false;
        var events = new ConcurrentQueue<LogEvent>();
        using var part = RootcheckService.CreatePart(new Hids.Engine.Monitor.MonitorContext(new InstancePaths(inst.Path), cfg, events.Enqueue, new ListLog()))!;
        Assert.True(part.IsSource);
        var before = Assert.IsType<RootcheckStatus>(part.Status!());
        Assert.Null(before.LastScan);
        Assert.True(before.Enabled);
        // the part's own service runs its first scan after the initial delay (a minute); run one through the owner now
        var svc = Assert.IsType<RootcheckService>(part.Owner);
        svc.Run();
        var after = Assert.IsType<RootcheckStatus>(part.Status!());
        Assert.NotNull(after.LastScan);
        Assert.True(after.LastFindingCount >= 1);
        Assert.Contains(events, e => e.FullLog == "File '/dev/.lib/x' present on /dev. Possible hidden file.");
    }
}
