using System.Security.Cryptography;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Syscheck;

/// <summary>Result of Test-HidsChecksum.</summary>
public enum ChecksumStatus { Match, Changed, NotInBaseline, Missing }

public sealed class ChecksumResult
{
    public string Path { get; set; } = "";
    public ChecksumStatus Status { get; set; }
    public string[] DifferingAttributes { get; set; } = Array.Empty<string>();
    /// <summary>Md5, Sha1 or Sha256 when compared against -Expected; "Baseline" otherwise.</summary>
    public string ComparedWith { get; set; } = "Baseline";
    public string? Expected { get; set; }
    public string? Actual { get; set; }
    public string? Md5 { get; set; }
    public string? Sha1 { get; set; }
    public string? Sha256 { get; set; }
    public long? Size { get; set; }
    public DateTimeOffset? BaselineRecorded { get; set; }
}

/// <summary>What the integrity cmdlets do, host-neutral (the daemon or any other host can call them too).</summary>
public static class IntegrityOperations
{
    public static SyscheckPolicy PolicyFor(InstancePaths paths, SyscheckOptions options) => new(options, new[] { paths.Root + "/" });

    /// <summary>
    /// Invoke-HidsScan: scans with the one-writer lock held. Changes are recorded (baseline, history) and their events
    /// put in the store's outbox in the same transaction; the monitor hands them to the rule engine (within ~2 s when it
    /// runs, at its next start otherwise).
    /// </summary>
    public static ScanSummary Scan(InstancePaths paths, SyscheckOptions options, IEnumerable<string>? only, bool force,
        IProgress<ScanProgress>? progress, CancellationToken ct, IHidsLog? log = null, Action? waiting = null, Action<string>? corruption = null)
    {
        var policy = PolicyFor(paths, options);
        using var lk = WriterLock.TryAcquire(WriterLock.PathFor(paths), TimeSpan.FromMinutes(30), ct, waiting)
            ?? throw new TimeoutException("Another process holds the syscheck baseline lock.");
        using var store = OpenStore(paths, log ?? NullLog.Instance, corruption);
        var targets = only is null ? policy.Roots.Select(r => new ScanTarget(r.Path, true)) : only.Select(p => new ScanTarget(SyscheckPolicy.Normalize(p), true));
        var scanner = new Scanner(policy, store, new DiffStore(paths.DiffDir, options.DiffSizeLimit), log ?? NullLog.Instance)
        { Force = force, Source = "Invoke-HidsScan", Workers = options.Workers };
        return scanner.Run(targets, progress, ct, out _);
    }

    /// <summary>Update-HidsBaseline: records the current state of the paths as accepted (history "Accepted", no event).</summary>
    public static ScanSummary Accept(InstancePaths paths, SyscheckOptions options, IEnumerable<string> only, CancellationToken ct, IHidsLog? log = null)
    {
        var policy = PolicyFor(paths, options);
        using var lk = WriterLock.TryAcquire(WriterLock.PathFor(paths), TimeSpan.FromMinutes(30), ct)
            ?? throw new TimeoutException("Another process holds the syscheck baseline lock.");
        using var store = OpenStore(paths, log ?? NullLog.Instance, null);
        var scanner = new Scanner(policy, store, new DiffStore(paths.DiffDir, options.DiffSizeLimit), log ?? NullLog.Instance)
        { Force = true, Source = "Update-HidsBaseline", Workers = options.Workers, Accept = true, RecordScan = false };
        return scanner.Run(only.Select(p => new ScanTarget(SyscheckPolicy.Normalize(p), true)), null, ct, out _);
    }

    private static BaselineStore OpenStore(InstancePaths paths, IHidsLog log, Action<string>? corruption)
    {
        var store = BaselineStore.Open(paths.SyscheckStore, out var c);
        if (c is not null)
        {
            log.Error("hids-syscheckd", "HIDS3010: " + c);
            // The corruption becomes an alert: queued for the rule engine like any syscheck event.
            store.Apply(new StoreOp[] { new HistoryOp(new FileChangeRecord { Time = DateTimeOffset.UtcNow, Path = paths.SyscheckStore, Change = "StoreRebuilt", Source = "store", FullLog = c }, SyscheckEvents.Problem("HIDS3010", c)) });
            corruption?.Invoke(c);
        }
        return store;
    }

    /// <summary>Opens the store for reading (history, reports, checksum tests).</summary>
    public static BaselineStore OpenForRead(InstancePaths paths) => BaselineStore.Open(paths.SyscheckStore, out _, check: false);

    /// <summary>Test-HidsChecksum against the baseline.</summary>
    public static ChecksumResult TestAgainstBaseline(BaselineStore store, SyscheckPolicy policy, string path)
    {
        path = SyscheckPolicy.Normalize(path);
        var r = new ChecksumResult { Path = path };
        var b = store.Get(path);
        int err = Native.Stat(path, out var st);
        if (err != 0) { r.Status = b is null ? ChecksumStatus.NotInBaseline : ChecksumStatus.Missing; if (b is null && err == Native.ENOENT) r.Status = ChecksumStatus.Missing; return r; }
        var now = Current(path, st);
        Fill(r, now);
        if (b is null) { r.Status = ChecksumStatus.NotInBaseline; return r; }
        var checks = policy.RootOf(path)?.Checks ?? CheckFlags.All;
        var attrs = Scanner.Compare(b, now, checks | CheckFlags.Hashes);
        r.DifferingAttributes = attrs;
        r.Status = attrs.Length == 0 ? ChecksumStatus.Match : ChecksumStatus.Changed;
        return r;
    }

    /// <summary>Test-HidsChecksum -Expected: the file's digest against a given one.</summary>
    public static ChecksumResult TestAgainstHash(string path, string expected, string algorithm)
    {
        path = SyscheckPolicy.Normalize(path);
        var r = new ChecksumResult { Path = path, ComparedWith = algorithm, Expected = expected.Trim().ToLowerInvariant() };
        if (Native.Stat(path, out var st) != 0 || st.Kind != FileKind.File) { r.Status = ChecksumStatus.Missing; return r; }
        var now = Current(path, st);
        Fill(r, now);
        r.Actual = algorithm.ToLowerInvariant() switch { "md5" => r.Md5, "sha1" => r.Sha1, _ => r.Sha256 };
        r.Status = string.Equals(r.Actual, r.Expected, StringComparison.OrdinalIgnoreCase) ? ChecksumStatus.Match : ChecksumStatus.Changed;
        if (r.Status == ChecksumStatus.Changed) r.DifferingAttributes = new[] { algorithm.ToLowerInvariant() };
        return r;
    }

    private static void Fill(ChecksumResult r, BaselineEntry e)
    {
        r.Md5 = BaselineEntry.Hex(e.Md5); r.Sha1 = BaselineEntry.Hex(e.Sha1); r.Sha256 = BaselineEntry.Hex(e.Sha256); r.Size = e.Size;
    }

    private static BaselineEntry Current(string path, FileStat st)
    {
        var e = new BaselineEntry
        {
            Path = path, Kind = st.Kind, Size = st.Size, Mode = st.Mode, Uid = st.Uid, Gid = st.Gid, Inode = st.Inode, Device = st.Device,
            MtimeNs = st.MtimeNs, CtimeNs = st.CtimeNs,
        };
        if (st.Kind == FileKind.File)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0, FileOptions.SequentialScan);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = new byte[1 << 20];
            int n;
            while ((n = fs.Read(buf)) > 0) { md5.AppendData(buf, 0, n); sha1.AppendData(buf, 0, n); sha256.AppendData(buf, 0, n); }
            e.Md5 = md5.GetHashAndReset(); e.Sha1 = sha1.GetHashAndReset(); e.Sha256 = sha256.GetHashAndReset();
        }
        else if (st.Kind == FileKind.Symlink) e.LinkTarget = new FileInfo(path).LinkTarget;
        return e;
    }
}
