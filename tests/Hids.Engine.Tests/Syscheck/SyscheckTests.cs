using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Syscheck;

namespace Hids.Engine.Tests.Syscheck;

/// <summary>A temp instance + a temp tree watched by a SyscheckService, with the events it hands on.</summary>
internal sealed class Fixture : IDisposable
{
    public TempDir Dir = TestPaths.NewTempDir("hids-sc");
    public InstancePaths Paths;
    public string Tree;
    public SyscheckOptions Options = new() { ScanOnStart = false, Frequency = 86400, AlertNewFiles = true };
    public ConcurrentQueue<LogEvent> Events = new();
    public SyscheckService? Service;

    public Fixture()
    {
        Paths = new InstancePaths(Dir.Combine("inst"));
        Tree = Dir.Combine("tree");
        Directory.CreateDirectory(Tree);
    }

    public DirectoryOptions AddDir(string path, bool realtime = false, bool report = false, string? restrict = null)
    {
        var d = new DirectoryOptions { Path = path, CheckAll = true, Realtime = realtime, ReportChanges = report, Restrict = restrict };
        Options.Directories.Add(d);
        return d;
    }

    public SyscheckService Start(bool startService = false)
    {
        Service?.Dispose();
        Service = new SyscheckService(Paths, Options, e => Events.Enqueue(e), NullLog.Instance) { Workers = 2 };
        if (startService) Service.Start();
        return Service;
    }

    public ScanSummary Scan(bool force = false) => Service!.ScanAsync(null, null, CancellationToken.None, force).GetAwaiter().GetResult();

    public List<LogEvent> Take()
    {
        var l = new List<LogEvent>();
        while (Events.TryDequeue(out var e)) l.Add(e);
        return l;
    }

    public string W(string rel, string content)
    {
        var p = Path.Combine(Tree, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        return p;
    }

    public static bool WaitFor(Func<bool> cond, int ms = 30000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < ms) { if (cond()) return true; Thread.Sleep(20); }
        return cond();
    }

    public void Dispose() { Service?.Dispose(); Dir.Dispose(); }
}

[Collection("Syscheck")]
public class SyscheckScanTests
{
    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    [Fact]
    public void FirstBaselineIsSilentThenEveryChangeKindIsReported()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var a = f.W("a.txt", "");
        var b = f.W("sub/b.txt", "bbb");
        var c = f.W("c.txt", "ccc");
        f.Start();
        var s1 = f.Scan();
        Assert.True(s1.FirstBaseline);
        Assert.Equal(3, s1.Added);
        Assert.Empty(f.Take());

        File.WriteAllText(a, "this is a php file\n");
        File.Delete(b);
        f.W("new.txt", "n");
        File.SetUnixFileMode(c, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var s2 = f.Scan();
        Assert.False(s2.FirstBaseline);
        Assert.Equal(1, s2.Added); Assert.Equal(2, s2.Changed); Assert.Equal(1, s2.Deleted);
        var ev = f.Take();
        var changed = ev.Single(e => e.Syscheck!.Path == a);
        Assert.Equal("syscheck_integrity_changed", changed.DecoderName);
        Assert.Equal("syscheck", changed.Location);
        Assert.StartsWith($"Integrity checksum changed for: '{a}'\nSize changed from '0' to '19'\n", changed.FullLog);
        Assert.Contains("Old md5sum was: 'd41d8cd98f00b204e9800998ecf8427e'\nNew md5sum is : '" + Hex(MD5.HashData(File.ReadAllBytes(a))) + "'", changed.FullLog);
        Assert.Contains("Old sha1sum was: 'da39a3ee5e6b4b0d3255bfef95601890afd80709'\nNew sha1sum is : '" + Hex(SHA1.HashData(File.ReadAllBytes(a))) + "'", changed.FullLog);
        Assert.Contains("New sha256sum is : '" + Hex(SHA256.HashData(File.ReadAllBytes(a))) + "'", changed.FullLog);
        var perm = ev.Single(e => e.Syscheck!.Path == c);
        Assert.Contains("Permissions changed from 'rw-r--r--' to 'rwxr-xr-x'", perm.FullLog);
        Assert.Contains("perm", perm.Syscheck!.ChangedAttributes);
        var del = ev.Single(e => e.Syscheck!.Path == b);
        Assert.Equal("syscheck_deleted", del.DecoderName);
        Assert.Equal($"File '{b}' was deleted. Unable to retrieve checksum.", del.FullLog);
        var add = ev.Single(e => e.DecoderName == "syscheck_new_entry");
        Assert.Equal($"New file '{Path.Combine(f.Tree, "new.txt")}' added to the file system.", add.FullLog);

        // Nothing changed: nothing reported, nothing re-hashed.
        var s3 = f.Scan();
        Assert.Equal(0, s3.Added + s3.Changed + s3.Deleted);
        Assert.Equal(0, s3.Hashed);
        Assert.Empty(f.Take());
        // -Force re-hashes everything but still reports nothing.
        var s4 = f.Scan(force: true);
        Assert.Equal(s4.Files, s4.Hashed);
        Assert.Empty(f.Take());
    }

    [Fact]
    public void OwnerGroupMtimeInodeAndNewFilesWithoutAlertNewFiles()
    {
        using var f = new Fixture();
        f.Options.AlertNewFiles = false;
        f.AddDir(f.Tree);
        var a = f.W("a", "x");
        var m = f.W("m", "same");
        var r = f.W("r", "content");
        f.Start(); f.Scan();
        var chown = Process.Start("chown", $"65534:65534 {a}")!; chown.WaitForExit(); Assert.Equal(0, chown.ExitCode);
        Thread.Sleep(5);
        File.SetLastWriteTimeUtc(m, DateTime.UtcNow.AddHours(-3));
        var tmp = r + ".new"; File.WriteAllText(tmp, "content"); File.Move(tmp, r, true); // same content, new inode
        f.W("silent-new", "x");
        var s = f.Scan();
        Assert.Equal(1, s.Added);
        var ev = f.Take();
        Assert.DoesNotContain(ev, e => e.DecoderName == "syscheck_new_entry");
        var own = ev.Single(e => e.Syscheck!.Path == a).FullLog;
        Assert.Contains("Ownership was '0', now it is '65534'", own);
        Assert.Contains("Group ownership was '0', now it is '65534'", own);
        Assert.Contains("Old modification time was:", ev.Single(e => e.Syscheck!.Path == m).FullLog);
        Assert.Contains("Old inode was:", ev.Single(e => e.Syscheck!.Path == r).FullLog);
        // History keeps the silent new file too.
        using var store = IntegrityOperations.OpenForRead(f.Paths);
        Assert.Contains(store.History(Path.Combine(f.Tree, "silent-new")), h => h.Change == "Added");
    }

    [Fact]
    public void IgnoreSregexRestrictAndChecksSubsets()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var only = f.Dir.Combine("only");
        Directory.CreateDirectory(only);
        f.Options.Directories.Add(new DirectoryOptions { Path = only, CheckSize = true, Restrict = ".conf$|^/never" });
        f.Options.Ignore.Add(new IgnoreEntry { Value = Path.Combine(f.Tree, "skip") });
        f.Options.Ignore.Add(new IgnoreEntry { Value = ".log$|/cache/", Type = "sregex" });
        f.W("skip/x", "1"); f.W("skipme", "1"); f.W("app.LOG", "1"); f.W("d/cache/z", "1"); f.W("keep.txt", "1");
        File.WriteAllText(Path.Combine(only, "a.conf"), "aa"); File.WriteAllText(Path.Combine(only, "a.txt"), "aa");
        f.Start();
        var s = f.Scan();
        using (var store = IntegrityOperations.OpenForRead(f.Paths))
        {
            var all = store.Load().Keys.ToHashSet();
            Assert.Contains(Path.Combine(f.Tree, "keep.txt"), all);
            Assert.Contains(Path.Combine(only, "a.conf"), all);
            Assert.DoesNotContain(Path.Combine(only, "a.txt"), all);
            Assert.DoesNotContain(Path.Combine(f.Tree, "skip/x"), all);
            Assert.DoesNotContain(Path.Combine(f.Tree, "skipme"), all); // plain ignore is a prefix, as in OSSEC
            Assert.DoesNotContain(Path.Combine(f.Tree, "app.LOG"), all);
            Assert.DoesNotContain(Path.Combine(f.Tree, "d/cache/z"), all);
            Assert.Null(store.Get(Path.Combine(only, "a.conf"))!.Md5); // check_size only: no digest computed
        }
        // Same size, new content: with check_size only, not a change.
        File.WriteAllText(Path.Combine(only, "a.conf"), "bb");
        File.WriteAllText(Path.Combine(f.Tree, "app.LOG"), "changed");
        Assert.Equal(0, f.Scan().Changed);
        File.WriteAllText(Path.Combine(only, "a.conf"), "bbb");
        Assert.Equal(1, f.Scan().Changed);
    }

    [Fact]
    public void ReportChangesDiffsTextFilesNotBinariesNotSecretsAndCapsSize()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree, report: true);
        f.Options.NoDiff.Add(new IgnoreEntry { Value = Path.Combine(f.Tree, "secret.txt") });
        f.Options.DiffSizeLimit = 4096;
        var t = f.W("page.php", "line1\nline2\n");
        var e = f.W("empty", "");
        var bin = f.Dir.Combine("tree", "bin"); File.WriteAllBytes(bin, new byte[] { 1, 0, 2, 3 });
        var sec = f.W("secret.txt", "password=old\n");
        var key = f.W("server.key", "-----BEGIN PRIVATE KEY-----\nAAA\n");
        var big = f.W("big.txt", new string('x', 3000) + "\n");
        f.Start(); f.Scan();
        Assert.False(File.Exists(new DiffStore(f.Paths.DiffDir, 1).CopyPath(sec)));
        Assert.False(File.Exists(new DiffStore(f.Paths.DiffDir, 1).CopyPath(key)));
        File.WriteAllText(t, "line1\nline2 changed\nline3\n");
        File.WriteAllText(e, "this is a php file\n");
        File.WriteAllBytes(bin, new byte[] { 1, 0, 2, 4, 5 });
        File.WriteAllText(sec, "password=new-and-secret\n");
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----\nBBBB\n");
        File.WriteAllText(big, new string('y', 5000) + "\n");
        f.Scan();
        var ev = f.Take().ToDictionary(x => x.Syscheck!.Path);
        Assert.Contains("What changed:\n2c2,3\n< line2\n---\n> line2 changed\n> line3\n", ev[t].FullLog);
        Assert.Contains("What changed:\n0a1\n> this is a php file\nOld md5sum", ev[e].FullLog);
        Assert.Contains("Binary file changed; no diff.", ev[bin].FullLog);
        Assert.Contains("diff not stored: file too large", ev[big].FullLog);
        foreach (var s in new[] { sec, key })
        {
            Assert.DoesNotContain("secret", ev[s].FullLog.Replace(s, ""));
            Assert.DoesNotContain("BBBB", ev[s].FullLog);
            Assert.Contains("<nodiff>", ev[s].Syscheck!.Diff);
            Assert.False(File.Exists(new DiffStore(f.Paths.DiffDir, 1).CopyPath(s)));
        }
        Assert.Equal("Modified", ev[t].Syscheck!.Event);
        using var store = IntegrityOperations.OpenForRead(f.Paths);
        Assert.Contains("> line3", store.History(t).Single().Diff);
    }

    [Fact]
    public void SymlinksAreRecordedNotFollowedAndRenameIsDeletePlusAdd()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var outside = f.Dir.Combine("outside"); Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "o.txt"), "o");
        var link = Path.Combine(f.Tree, "link"); File.CreateSymbolicLink(link, outside);
        var flink = Path.Combine(f.Tree, "flink"); File.CreateSymbolicLink(flink, "a");
        var a = f.W("a", "a");
        f.Start(); f.Scan();
        using (var store = IntegrityOperations.OpenForRead(f.Paths))
        {
            Assert.Equal(FileKind.Symlink, store.Get(link)!.Kind);
            Assert.Equal(outside, store.Get(link)!.LinkTarget);
            Assert.Null(store.Get(Path.Combine(link, "o.txt")));
        }
        File.Delete(flink); File.CreateSymbolicLink(flink, "b");
        File.Move(a, a + ".renamed");
        var s = f.Scan();
        var ev = f.Take();
        Assert.Contains("Link target changed from 'a' to 'b'", ev.Single(e => e.Syscheck!.Path == flink).FullLog);
        Assert.Contains(ev, e => e.DecoderName == "syscheck_deleted" && e.Syscheck!.Path == a);
        Assert.Contains(ev, e => e.DecoderName == "syscheck_new_entry" && e.Syscheck!.Path == a + ".renamed");
    }

    [Fact]
    public void ABurstOfAThousandChangesIsReportedCompletely()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        for (int i = 0; i < 1000; i++) f.W($"d{i % 10}/f{i}", "v1");
        f.Start(); f.Scan();
        for (int i = 0; i < 1000; i++) File.WriteAllText(Path.Combine(f.Tree, $"d{i % 10}/f{i}"), "version2");
        var s = f.Scan();
        Assert.Equal(1000, s.Changed);
        Assert.Equal(1000, f.Take().Count(e => e.DecoderName == "syscheck_integrity_changed"));
    }

    [Fact]
    public void ChangesWhileStoppedAreReportedAtTheNextStartNeverRebaselined()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var a = f.W("a", "1");
        f.Start(); f.Scan();
        f.Service!.Dispose(); f.Service = null;
        File.WriteAllText(a, "22");
        f.W("b", "new");
        f.Options.ScanOnStart = true;
        f.Start(startService: true);
        Assert.True(Fixture.WaitFor(() => f.Events.Count >= 2));
        var ev = f.Take();
        Assert.Contains(ev, e => e.DecoderName == "syscheck_integrity_changed" && e.Syscheck!.Path == a);
        Assert.Contains(ev, e => e.DecoderName == "syscheck_new_entry");
    }

    [Fact]
    public void ACorruptStoreIsReportedMovedAsideAndRebuilt()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        f.W("a", "1");
        f.Start(); f.Scan(); f.Service!.Dispose(); f.Service = null;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // Scribble over the pages after the header.
        using (var fs = new FileStream(f.Paths.SyscheckStore, FileMode.Open, FileAccess.Write))
        { fs.Position = 100; fs.Write(Enumerable.Repeat((byte)0x5A, 8000).ToArray()); }
        foreach (var x in new[] { "-wal", "-shm" }) File.Delete(f.Paths.SyscheckStore + x);
        f.Start(startService: true);
        var ev = f.Take();
        Assert.Contains(ev, e => e.FullLog.Contains("HIDS3010") && e.FullLog.Contains("corrupt"));
        Assert.NotEmpty(Directory.GetFiles(f.Paths.Queue, "syscheck.db.corrupt-*"));
        var s = f.Scan();
        Assert.True(s.Completed);
        Assert.Equal(1, s.Added);
    }

    [Fact]
    public void AFileThatChangesWhileHashedIsRehashedOrMarkedUnstable()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var big = Path.Combine(f.Tree, "growing");
        File.WriteAllBytes(big, new byte[32 << 20]);
        f.Start();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            using var fs = new FileStream(big, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            var chunk = new byte[4096];
            while (!stop.IsCancellationRequested) { fs.Write(chunk); fs.Flush(); Thread.Sleep(1); }
        });
        var s = f.Scan();
        stop.Cancel(); writer.Wait();
        Assert.True(s.Completed);
        using var store = IntegrityOperations.OpenForRead(f.Paths);
        var e = store.Get(big)!;
        if ((e.Flags & BaselineEntry.FlagUnstable) != 0)
            Assert.Contains(s.Problems, p => p.Code == "HIDS3003" && p.File == big);
        else
        {
            // Stable on a retry: the digests describe exactly the recorded size.
            using var fs = File.OpenRead(big);
            var buf = new byte[e.Size]; fs.ReadExactly(buf);
            Assert.Equal(SHA256.HashData(buf), e.Sha256);
        }
        // The next scan (file now quiet) settles it.
        f.Scan();
        using var store2 = IntegrityOperations.OpenForRead(f.Paths);
        Assert.Equal(0, store2.Get(big)!.Flags);
    }

    [Fact]
    public void SpecialFilesAreRecordedWithoutBeingOpenedAndScansAreNotBlocked()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var fifo = Path.Combine(f.Tree, "fifo");
        Process.Start("mkfifo", fifo)!.WaitForExit();
        f.W("a", "a");
        f.Start();
        var s = f.Scan();
        Assert.True(s.Completed);
        using var store = IntegrityOperations.OpenForRead(f.Paths);
        Assert.Equal(FileKind.Fifo, store.Get(fifo)!.Kind);
    }

    [Fact]
    public void UpdateBaselineAcceptsWithoutEventsAndHistoryKeepsIt()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var a = f.W("a", "1");
        f.Start(); f.Scan(); f.Service!.Dispose(); f.Service = null;
        File.WriteAllText(a, "upgraded");
        var acc = IntegrityOperations.Accept(f.Paths, f.Options, new[] { a }, CancellationToken.None);
        Assert.Equal(1, acc.Changed);
        using (var store = IntegrityOperations.OpenForRead(f.Paths))
        {
            Assert.Equal("Accepted", store.History(a).Last().Change);
            Assert.Equal(0, store.OutboxCount());
            var r = IntegrityOperations.TestAgainstBaseline(store, IntegrityOperations.PolicyFor(f.Paths, f.Options), a);
            Assert.Equal(ChecksumStatus.Match, r.Status);
        }
        f.Start();
        Assert.Equal(0, f.Scan().Changed);
    }

    [Fact]
    public void CmdletScansQueueEventsTheMonitorDelivers()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var a = f.W("a", "1");
        IntegrityOperations.Scan(f.Paths, f.Options, null, false, null, CancellationToken.None);
        File.WriteAllText(a, "2");
        var s = IntegrityOperations.Scan(f.Paths, f.Options, new[] { a }, false, null, CancellationToken.None);
        Assert.Equal(1, s.Changed);
        using (var store = IntegrityOperations.OpenForRead(f.Paths)) Assert.Equal(1, store.OutboxCount());
        f.Start(startService: true);
        Assert.Contains(f.Take(), e => e.DecoderName == "syscheck_integrity_changed" && e.Syscheck!.Path == a);
        using (var store = IntegrityOperations.OpenForRead(f.Paths)) Assert.Equal(0, store.OutboxCount());
    }

    [Fact]
    public void TheMonitorPartHostsTheServiceAndHandsEventsOn()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var a = f.W("a", "1");
        f.Start(); f.Scan(); f.Service!.Dispose(); f.Service = null;
        File.WriteAllText(a, "changed");
        f.Options.ScanOnStart = true;
        var cfg = new HidsConfiguration { Syscheck = f.Options };
        var events = new System.Collections.Concurrent.ConcurrentQueue<LogEvent>();
        using var part = SyscheckMonitorPart.Create(new Hids.Engine.Monitor.MonitorContext(f.Paths, cfg, events.Enqueue, NullLog.Instance))!;
        Assert.True(part.IsSource);
        part.Start!();
        Assert.True(Fixture.WaitFor(() => events.Any(e => e.DecoderName == "syscheck_integrity_changed")));
        var st = Assert.IsType<SyscheckStatus>(part.Status!());
        Assert.Equal(1, st.FilesInBaseline);
        Assert.Null(SyscheckMonitorPart.Create(new Hids.Engine.Monitor.MonitorContext(f.Paths, new HidsConfiguration(), _ => { }, NullLog.Instance)));
    }

    [Fact]
    public void ChecksumAgainstExpectedDigest()
    {
        using var d = TestPaths.NewTempDir();
        var p = Path.Combine(d.Path, "x"); File.WriteAllText(p, "abc");
        Assert.Equal(ChecksumStatus.Match, IntegrityOperations.TestAgainstHash(p, "900150983cd24fb0d6963f7d28e17f72", "Md5").Status);
        Assert.Equal(ChecksumStatus.Changed, IntegrityOperations.TestAgainstHash(p, new string('0', 64), "Sha256").Status);
        Assert.Equal(ChecksumStatus.Missing, IntegrityOperations.TestAgainstHash(p + "nope", new string('0', 64), "Sha256").Status);
    }

    [Fact]
    public void OsMatchSyntax()
    {
        Assert.True(new SimpleOsMatch("^/etc/mtab$|.log$").IsMatch("/var/X.LOG"));
        Assert.True(new SimpleOsMatch("^/etc/mtab$").IsMatch("/etc/mtab"));
        Assert.False(new SimpleOsMatch("^/etc/mtab$").IsMatch("/etc/mtab2"));
        Assert.True(new SimpleOsMatch("cache").IsMatch("/a/Cache/b"));
        Assert.False(new SimpleOsMatch("!cache").IsMatch("/a/cache"));
    }

    [Fact]
    public void ReportRendersHtmlWithAnSvgChartAndJson()
    {
        using var f = new Fixture();
        f.AddDir(f.Tree);
        var a = f.W("a", "1");
        f.Start(); f.Scan();
        File.WriteAllText(a, "22"); f.W("b/c", "x");
        f.Scan();
        using var store = IntegrityOperations.OpenForRead(f.Paths);
        var r = IntegrityReport.Build(store, DateTimeOffset.Now.AddDays(-3), f.Paths.Root);
        Assert.Equal(1, r.Totals.Modified); Assert.Equal(1, r.Totals.Added);
        var html = r.ToHtml();
        Assert.Contains("<svg", html);
        Assert.Contains(f.Tree, html);
        Assert.Contains("\"Modified\": 1", r.ToJson());
    }
}
