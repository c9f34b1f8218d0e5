using Hids.Engine.Configuration;
using Hids.Engine.Syscheck;

namespace Hids.Engine.Tests.Syscheck;

[Collection("Syscheck")]
public class SyscheckRealtimeTests
{
    private static Fixture Realtime(out SyscheckService svc, Action<Fixture>? configure = null, int maxWatches = 0)
    {
        var f = new Fixture();
        f.AddDir(f.Tree, realtime: true, report: true);
        configure?.Invoke(f);
        f.W("existing", "1");
        f.Start();
        f.Scan();
        f.Service!.Dispose();
        svc = f.Service = new SyscheckService(f.Paths, f.Options, e => f.Events.Enqueue(e), Hids.Engine.Core.NullLog.Instance) { Workers = 2, MaxWatches = maxWatches };
        svc.Start();
        return f;
    }

    [Fact]
    public void NewSubdirectoriesCreatedInQuickSuccessionAreWatchedAndNothingIsMissed()
    {
        using var f = Realtime(out var svc, x => x.Options.Ignore.Add(new IgnoreEntry { Value = Path.Combine(x.Tree, "ignored") }));
        Directory.CreateDirectory(Path.Combine(f.Tree, "ignored"));
        var expected = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            var d = Path.Combine(f.Tree, $"n{i}", "b", "c");
            Directory.CreateDirectory(d);
            var p = Path.Combine(d, "f"); File.WriteAllText(p, "x" + i); expected.Add(p);
        }
        File.WriteAllText(Path.Combine(f.Tree, "ignored", "x"), "x");
        Assert.True(Fixture.WaitFor(() => f.Events.Count(e => e.DecoderName == "syscheck_new_entry") >= 50, 30000),
            $"saw {f.Events.Count(e => e.DecoderName == "syscheck_new_entry")} of 50");
        var newEvents = f.Take().Where(e => e.DecoderName == "syscheck_new_entry").Select(e => e.Syscheck!.Path).ToList();
        var seen = newEvents.ToHashSet();
        var missing = expected.Where(p => !seen.Contains(p)).ToList();
        var dups = newEvents.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(missing.Count == 0 && dups.Count == 0, $"missing: {string.Join(", ", missing)}; reported twice: {string.Join(", ", dups)}; extra: {string.Join(", ", seen.Except(expected))}");
        Assert.DoesNotContain(Path.Combine(f.Tree, "ignored", "x"), seen);
        // The new directories are watched; the ignored one is not.
        var watched = svc.Watcher!.WatchedDirectories();
        Assert.Contains(Path.Combine(f.Tree, "n49", "b", "c"), watched);
        Assert.DoesNotContain(Path.Combine(f.Tree, "ignored"), watched);
        Assert.True(svc.Status.WatchesUsed >= 151);
        Assert.True(svc.Status.WatchLimit > 0);

        // A change inside a new directory is seen in realtime, with its diff.
        File.WriteAllText(expected[7], "x7\nmore\n");
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.DecoderName == "syscheck_integrity_changed")));
        Assert.Contains("> more", f.Take().First(e => e.DecoderName == "syscheck_integrity_changed").FullLog);
    }

    [Fact]
    public void RealtimeSeesModifyDeleteAndRenameIntoPlace()
    {
        using var f = Realtime(out _);
        var p = Path.Combine(f.Tree, "existing");
        File.WriteAllText(p, "2");
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.DecoderName == "syscheck_integrity_changed")));
        f.Take();
        // dpkg-style: write a temp file and rename it over the original.
        File.WriteAllText(p + ".dpkg-new", "3");
        File.Move(p + ".dpkg-new", p, overwrite: true);
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.DecoderName == "syscheck_integrity_changed" && e.Syscheck!.Path == p)));
        f.Take();
        File.Delete(p);
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.DecoderName == "syscheck_deleted" && e.Syscheck!.Path == p)));
    }

    [Fact]
    public void WatchLimitLossIsReportedAndTheDirectoryStillGetsScanned()
    {
        using var f = Realtime(out var svc, x => { for (int i = 0; i < 3; i++) Directory.CreateDirectory(Path.Combine(x.Tree, $"d{i}")); }, maxWatches: 4);
        var extra = Path.Combine(f.Tree, "late");
        Directory.CreateDirectory(extra);
        File.WriteAllText(Path.Combine(extra, "f"), "x");
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.FullLog.Contains("HIDS3020"))));
        var lost = f.Events.First(e => e.FullLog.Contains("HIDS3020"));
        Assert.Contains(extra, lost.FullLog);
        Assert.Contains(extra, svc.Status.LostCoverage);
        // The rescan that follows finds the file in the unwatched directory.
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.DecoderName == "syscheck_new_entry" && e.Syscheck!.Path == Path.Combine(extra, "f"))));
    }

    [Fact]
    public void QueueOverflowIsReportedAndFollowedByARescan()
    {
        using var f = Realtime(out var svc);
        svc.Watcher!.Paused = true;
        // More events than fs.inotify.max_queued_events (16384 here).
        int max = int.Parse(File.ReadAllText("/proc/sys/fs/inotify/max_queued_events").Trim());
        var d = Path.Combine(f.Tree, "flood"); Directory.CreateDirectory(d);
        var p = Path.Combine(d, "x");
        for (int i = 0; i < max / 2 + 100; i++) { File.WriteAllText(p, i.ToString()); }
        var q = Path.Combine(f.Tree, "after-overflow");
        File.WriteAllText(q, "x");
        svc.Watcher.Paused = false;
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.FullLog.Contains("HIDS3021"))));
        Assert.True(Fixture.WaitFor(() => f.Events.Any(e => e.DecoderName == "syscheck_new_entry" && e.Syscheck!.Path == q)));
        Assert.True(Fixture.WaitFor(() => svc.Status.LostCoverage.Length == 0));
    }
}
