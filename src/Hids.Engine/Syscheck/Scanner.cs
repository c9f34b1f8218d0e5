using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Enumeration;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Hids.Engine.Core;
using Microsoft.Win32.SafeHandles;

namespace Hids.Engine.Syscheck;

/// <summary>A path to check: a directory (walked recursively within its root's limits) or a single path.</summary>
public readonly record struct ScanTarget(string Path, bool Recursive);

/// <summary>
/// One scan: a parallel walk (statx, no symlink following) feeding hash workers (MD5/SHA-1/SHA-256 in one read),
/// and a single writer that commits results in batches. Files whose size, mtime, ctime and inode match the baseline
/// are not read again unless <see cref="Force"/>.
/// </summary>
internal sealed class Scanner
{
    private readonly SyscheckPolicy _policy;
    private readonly BaselineStore _store;
    private readonly DiffStore _diffs;
    private readonly IHidsLog _log;
    public bool Force { get; init; }
    public string Source { get; init; } = "scan";
    public int Workers { get; init; }
    public int BatchSize { get; init; } = 2000;
    /// <summary>Whether the scan gets a row in the scans table (full and cmdlet scans; not realtime re-checks).</summary>
    public bool RecordScan { get; init; } = true;
    /// <summary>Update-HidsBaseline: record every difference as "Accepted", with no event.</summary>
    public bool Accept { get; init; }
    /// <summary>Run on the calling thread, no worker threads (realtime re-checks of a few paths).</summary>
    public bool Inline { get; init; }
    /// <summary>Hash files that need MD5 or SHA-1 on the multi-buffer path (<see cref="DigestLanes"/>) when the CPU has it.</summary>
    public bool UseDigestLanes { get; init; } = true;
    private bool _lanes;
    [ThreadStatic] private static HashState? t_hash;
    private const long InlineHashBytes = 256 * 1024;

    private Dictionary<string, BaselineEntry> _baseline = new();
    private HashSet<string> _firstBaselineRoots = new();
    private readonly ConcurrentQueue<HidsDiagnostic> _problems = new();
    private readonly ConcurrentDictionary<string, byte> _unverified = new();
    private BlockingCollection<HashWork> _hashQueue = null!;
    /// <summary>Files of <see cref="BigFileBytes"/> or more: taken first, so that they do not end the scan alone.</summary>
    private BlockingCollection<HashWork> _bigQueue = null!;
    private const long BigFileBytes = 4L << 20;
    private const int HashQueueLimit = 4096;
    private volatile bool _hashFailed;
    private BlockingCollection<FileResult> _results = null!;
    private long _files, _hashed, _bytes, _errors, _problemCount;
    private volatile string? _current;

    private sealed record HashWork(string Path, FileStat Stat, BaselineEntry? Before, WatchRoot Root);

    private enum ResultKind { Added, Modified, Touched, Deleted, DropSilently }

    private sealed record FileResult(ResultKind Kind, string Path, BaselineEntry? Entry, BaselineEntry? Before, string[] Attrs, string? Diff, WatchRoot? Root);

    public Scanner(SyscheckPolicy policy, BaselineStore store, DiffStore diffs, IHidsLog log)
    {
        _policy = policy; _store = store; _diffs = diffs; _log = log;
    }

    private void Problem(string code, string file, string message, string? hint = null)
    {
        Interlocked.Increment(ref _errors);
        if (Interlocked.Increment(ref _problemCount) > 1000) return;
        _problems.Enqueue(new HidsDiagnostic { Severity = DiagnosticSeverity.Warning, Code = code, File = file, Message = message, Hint = hint });
        _log.Warn("hids-syscheckd", $"{code}: {file}: {message}");
    }

    /// <summary>Expands targets: roots nested below a recursive target are walked as their own targets.</summary>
    private List<(ScanTarget Target, WatchRoot Root)> Expand(IEnumerable<ScanTarget> targets)
    {
        // One entry per path (recursive wins), roots nested below a recursive target added as their own targets.
        var wanted = new Dictionary<string, bool>(StringComparer.Ordinal);
        void Want(string p, bool rec) => wanted[p] = wanted.TryGetValue(p, out var r) ? r || rec : rec;
        foreach (var t in targets)
        {
            var path = SyscheckPolicy.Normalize(t.Path);
            if (_policy.RootOf(path) is null) { Problem("HIDS3005", path, "not below any configured <directories> entry; not scanned"); continue; }
            Want(path, t.Recursive);
            if (!t.Recursive) continue;
            foreach (var r in _policy.Roots)
                if (r.Path != path && r.Path.StartsWith(path == "/" ? "/" : path + "/", StringComparison.Ordinal)) Want(r.Path, true);
        }
        // A path below a recursive target of the same root is covered by that target's walk: walking it again
        // would report its files twice.
        var list = new List<(ScanTarget, WatchRoot)>();
        foreach (var (path, rec) in wanted)
        {
            var root = _policy.RootOf(path)!;
            bool covered = false;
            for (var parent = Path.GetDirectoryName(path); parent is not null && !covered; parent = Path.GetDirectoryName(parent))
                covered = wanted.TryGetValue(parent, out var prec) && prec && _policy.RootOf(parent) == root && parent.Length >= root.Path.Length;
            if (!covered) list.Add((new ScanTarget(path, rec), root));
        }
        return list;
    }

    public ScanSummary Run(IEnumerable<ScanTarget> targets, IProgress<ScanProgress>? progress, CancellationToken ct, out List<long> outboxIds)
    {
        var sw = Stopwatch.StartNew();
        var summary = new ScanSummary { Started = DateTimeOffset.Now, FullRehash = Force };
        var work = Expand(targets);
        summary.Paths = work.Select(w => w.Target.Path).ToArray();
        _firstBaselineRoots = work.Select(w => w.Root.Path).Distinct().Where(r => !_store.IsRootBaselined(r)).ToHashSet();
        summary.FirstBaseline = _firstBaselineRoots.Count > 0;
        _baseline = _store.Load(work.Select(w => (w.Target.Path, w.Target.Recursive)));
        long expected = _baseline.Count;
        var scanId = RecordScan ? _store.BeginScan(Source) : 0;

        int workers = Workers > 0 ? Workers : Math.Clamp(Environment.ProcessorCount, 2, 8);
        // Files that need MD5 or SHA-1 go to workers that hash 8-16 of them side by side (MD5 is the slowest digest by far).
        _lanes = !Inline && UseDigestLanes && DigestLanes.Supported > 0 && work.Any(w => (w.Root.Checks & LaneDigests) != 0);
        // Bounded by the walkers themselves (see Enqueue): a BlockingCollection bound makes every blocked Add spin and
        // yield, which cost ~10% of a baseline's CPU on 2 cores.
        _hashQueue = new BlockingCollection<HashWork>();
        _bigQueue = new BlockingCollection<HashWork>();
        _results = Inline ? new BlockingCollection<FileResult>() : new BlockingCollection<FileResult>(8192);
        var ids = new List<long>();
        var writer = Inline ? null : Task.Factory.StartNew(() => WriterLoop(summary, ids), TaskCreationOptions.LongRunning);

        // Directory walk: a shared queue of directories, `workers` walkers, completion when no directory is pending.
        var dirs = new BlockingCollection<(string Dir, WatchRoot Root, int Depth)>();
        int pending = 0;
        void EnqueueDir(string d, WatchRoot r, int depth) { Interlocked.Increment(ref pending); dirs.Add((d, r, depth)); }
        foreach (var (t, root) in work)
        {
            if (ct.IsCancellationRequested) break;
            int err = Native.Stat(t.Path, out var st);
            if (err != 0)
            {
                if (err != Native.ENOENT) { Problem("HIDS3002", t.Path, Native.ErrnoText(err)); _unverified[t.Path] = 0; }
                else if (t.Path == root.Path) Problem("HIDS3004", t.Path, "configured directory does not exist", "Create it or remove it from <directories>.");
                continue;
            }
            if (st.Kind == FileKind.Directory) { if (t.Recursive) EnqueueDir(t.Path, root, SyscheckPolicy.DepthBelow(root, t.Path) + 1); }
            else if (!_policy.IsIgnored(t.Path)) ProcessEntry(t.Path, st, root);
        }
        if (Volatile.Read(ref pending) == 0) dirs.CompleteAdding();
        if (Inline)
        {
            while (!ct.IsCancellationRequested && dirs.TryTake(out var item))
            {
                try { WalkDir(item.Dir, item.Root, item.Depth, EnqueueDir); }
                catch (Exception ex) { Problem("HIDS3002", item.Dir, "walk failed: " + ex.Message); _unverified[item.Dir] = 0; }
            }
            if (!ct.IsCancellationRequested) FindDeleted();
            _results.CompleteAdding();
            WriterLoop(summary, ids);
            return Finish(summary, work, !ct.IsCancellationRequested, scanId, sw, progress, expected, ids, out outboxIds);
        }

        var walkers = Enumerable.Range(0, Math.Min(workers, 4)).Select(_ => Task.Factory.StartNew(() =>
        {
            foreach (var (d, r, depth) in dirs.GetConsumingEnumerable())
            {
                try { if (!ct.IsCancellationRequested) WalkDir(d, r, depth, EnqueueDir); }
                catch (Exception ex) { Problem("HIDS3002", d, "walk failed: " + ex.Message); _unverified[d] = 0; }
                finally { if (Interlocked.Decrement(ref pending) == 0) dirs.CompleteAdding(); }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        var hashers = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(HashLoop, TaskCreationOptions.LongRunning)).ToArray();

        var all = walkers.Concat(new[] { Task.WhenAll(walkers).ContinueWith(_ => { _bigQueue.CompleteAdding(); _hashQueue.CompleteAdding(); }) }).ToArray();
        while (!Task.WaitAll(all, 250))
            Report(progress, "Scanning", expected);
        Task.WaitAll(hashers);
        Report(progress, "Recording", expected);

        bool completed = !ct.IsCancellationRequested && walkers.All(w => w.IsCompletedSuccessfully) && hashers.All(h => h.IsCompletedSuccessfully);
        if (completed) FindDeleted();
        _results.CompleteAdding();
        writer!.Wait();
        if (writer.Exception is not null) throw writer.Exception.GetBaseException();
        foreach (var t in walkers.Concat(hashers)) if (t.Exception is not null) throw t.Exception.GetBaseException();
        return Finish(summary, work, completed, scanId, sw, progress, expected, ids, out outboxIds);
    }

    private void FindDeleted()
    {
            foreach (var b in _baseline.Values)
            {
                if (b.Seen) continue;
                if (_unverified.Keys.Any(u => b.Path == u || b.Path.StartsWith(u + "/", StringComparison.Ordinal))) continue;
                var root = _policy.RootOf(b.Path);
                int err = Native.Stat(b.Path, out _);
                if (err == Native.ENOENT && root is not null && !_policy.IsIgnored(b.Path))
                    _results.Add(new FileResult(ResultKind.Deleted, b.Path, null, b, Array.Empty<string>(), null, root));
                else if (err == 0 || err == Native.ENOENT || err == Native.ENOTDIR)
                    _results.Add(new FileResult(ResultKind.DropSilently, b.Path, null, b, Array.Empty<string>(), null, root));
            }
    }

    private ScanSummary Finish(ScanSummary summary, List<(ScanTarget Target, WatchRoot Root)> work, bool completed, long scanId, Stopwatch sw,
        IProgress<ScanProgress>? progress, long expected, List<long> ids, out List<long> outboxIds)
    {
        if (completed)
        {
            var fullRoots = work.Where(w => w.Target.Recursive && w.Target.Path == w.Root.Path && !_unverified.ContainsKey(w.Root.Path)).Select(w => w.Root.Path).ToList();
            if (fullRoots.Count > 0) _store.MarkRootsBaselined(fullRoots);
        }
        summary.Files = _files; summary.Hashed = _hashed; summary.BytesHashed = _bytes; summary.Errors = _errors;
        summary.Problems = _problems.ToList();
        summary.Completed = completed;
        summary.Duration = sw.Elapsed;
        if (RecordScan) _store.EndScan(scanId, summary);
        Report(progress, "Done", expected);
        outboxIds = ids;
        return summary;
    }

    private void Report(IProgress<ScanProgress>? p, string phase, long expected)
        => p?.Report(new ScanProgress { Phase = phase, FilesSeen = Interlocked.Read(ref _files), FilesHashed = Interlocked.Read(ref _hashed), BytesHashed = Interlocked.Read(ref _bytes), Expected = expected, CurrentPath = _current });

    private static readonly EnumerationOptions EnumOptions = new() { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private void WalkDir(string dir, WatchRoot root, int depth, Action<string, WatchRoot, int> enqueue)
    {
        _current = dir;
        List<string> names;
        try
        {
            names = new FileSystemEnumerable<string>(dir, (ref FileSystemEntry e) => e.FileName.ToString(), EnumOptions).ToList();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            if (ex is DirectoryNotFoundException) return;
            Problem("HIDS3002", dir, "directory cannot be read: " + ex.Message, "Run as a user that can read it, or <ignore> it.");
            _unverified[dir] = 0;
            return;
        }
        var prefix = dir == "/" ? "/" : dir + "/";
        // Entries are stat'ed relative to the directory (one path component to resolve instead of the whole path);
        // if it cannot be opened, by their full path as before.
        int dfd = open_(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        try
        {
        foreach (var name in names)
        {
            var path = prefix + name;
            if (_policy.IsIgnored(path)) continue;
            int err = dfd >= 0 ? Native.StatAt(dfd, name, out var st) : Native.Stat(path, out st);
            if (err != 0)
            {
                if (err != Native.ENOENT) Problem("HIDS3001", path, Native.ErrnoText(err));
                continue;
            }
            if (st.Kind == FileKind.Directory)
            {
                if (_policy.IsRoot(path)) continue; // walked as its own root
                if (depth <= root.MaxDepth) enqueue(path, root, depth + 1);
                continue;
            }
            ProcessEntry(path, st, root);
        }
        }
        finally { if (dfd >= 0) Native.close(dfd); }
    }

    private static bool HasDigests(BaselineEntry b, CheckFlags c)
        => ((c & CheckFlags.Md5) == 0 || b.Md5 is not null) && ((c & CheckFlags.Sha1) == 0 || b.Sha1 is not null) && ((c & CheckFlags.Sha256) == 0 || b.Sha256 is not null);

    private static BaselineEntry FromStat(string path, in FileStat st) => new()
    {
        Path = path, Kind = st.Kind, Size = st.Size, Mode = st.Mode, Uid = st.Uid, Gid = st.Gid, Inode = st.Inode, Device = st.Device,
        MtimeNs = st.MtimeNs, CtimeNs = st.CtimeNs,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private void ProcessEntry(string path, FileStat st, WatchRoot root)
    {
        if (root.Restrict is not null && st.Kind != FileKind.Directory && !root.Restrict.IsMatch(path)) return;
        Interlocked.Increment(ref _files);
        _baseline.TryGetValue(path, out var b);
        if (b is not null) b.Seen = true;
        if (st.Kind == FileKind.File)
        {
            if (!Force && b is not null && b.Kind == FileKind.File && b.Size == st.Size && b.MtimeNs == st.MtimeNs && b.CtimeNs == st.CtimeNs
                && b.Inode == st.Inode && b.Flags == 0 && HasDigests(b, root.Checks))
                return; // unchanged: the cheap path
            var hw = new HashWork(path, st, b, root);
            // Small files (most of a tree) are hashed by the walker that found them: no hand-over, no extra thread hop;
            // except when they need MD5 or SHA-1 and the multi-buffer workers hash them several at a time.
            if (Inline || (st.Size <= InlineHashBytes && !(_lanes && (root.Checks & LaneDigests) != 0))) HashGuarded(hw, t_hash ??= new HashState());
            else if (st.Size >= BigFileBytes) _bigQueue.Add(hw);
            else
            {
                while (_hashQueue.Count >= HashQueueLimit && !_hashFailed) Thread.Sleep(1); // the hash workers are behind: let them catch up
                _hashQueue.Add(hw);
            }
            return;
        }
        var e = FromStat(path, st);
        if (st.Kind == FileKind.Symlink)
        {
            // Recorded as a link; never followed out of the tree.
            try { e.LinkTarget = new FileInfo(path).LinkTarget; } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        Emit(b, e, root, null);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private void Emit(BaselineEntry? b, BaselineEntry a, WatchRoot root, byte[]? content)
    {
        if (b is null)
        {
            if (root.ReportChanges && content is not null && a.Kind == FileKind.File && !_policy.IsNoDiff(a.Path))
            {
                try { if (!DiffStore.IsBinary(content)) _diffs.Save(a.Path, content); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { Problem("HIDS3030", a.Path, "diff copy not stored: " + ex.Message); }
            }
            _results.Add(new FileResult(ResultKind.Added, a.Path, a, null, Array.Empty<string>(), null, root));
            return;
        }
        var attrs = Compare(b, a, root.Checks);
        if (attrs.Length == 0)
        {
            if (b.Size != a.Size || b.MtimeNs != a.MtimeNs || b.CtimeNs != a.CtimeNs || b.Inode != a.Inode || b.Mode != a.Mode || b.Uid != a.Uid || b.Gid != a.Gid
                || b.Flags != a.Flags || !SameBytes(b.Md5, a.Md5) || !SameBytes(b.Sha1, a.Sha1) || !SameBytes(b.Sha256, a.Sha256) || Force)
                _results.Add(new FileResult(ResultKind.Touched, a.Path, a, b, attrs, null, root));
            return;
        }
        string? diff = null;
        bool contentChanged = attrs.Any(x => x is "md5" or "sha1" or "sha256" or "size");
        if (root.ReportChanges && a.Kind == FileKind.File && contentChanged)
        {
            if (_policy.IsNoDiff(a.Path)) diff = DiffStore.NoDiffNote;
            else diff = _diffs.Update(a.Path, content, a.Size);
        }
        _results.Add(new FileResult(ResultKind.Modified, a.Path, a, b, attrs, diff, root));
    }

    private static bool SameBytes(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    internal static string[] Compare(BaselineEntry b, BaselineEntry a, CheckFlags c)
    {
        var attrs = new List<string>(4);
        if (b.Kind != a.Kind) attrs.Add("type");
        if (b.Kind == FileKind.Symlink && a.Kind == FileKind.Symlink && b.LinkTarget != a.LinkTarget) attrs.Add("link");
        if ((c & CheckFlags.Size) != 0 && b.Size != a.Size && a.Kind != FileKind.Directory) attrs.Add("size");
        if ((c & CheckFlags.Perm) != 0 && b.Mode != a.Mode) attrs.Add("perm");
        if ((c & CheckFlags.Owner) != 0 && b.Uid != a.Uid) attrs.Add("owner");
        if ((c & CheckFlags.Group) != 0 && b.Gid != a.Gid) attrs.Add("group");
        if ((c & CheckFlags.Mtime) != 0 && b.MtimeNs / 1_000_000_000 != a.MtimeNs / 1_000_000_000) attrs.Add("mtime");
        if ((c & CheckFlags.Inode) != 0 && b.Inode != a.Inode) attrs.Add("inode");
        if ((c & CheckFlags.Md5) != 0 && b.Md5 is not null && a.Md5 is not null && !SameBytes(b.Md5, a.Md5)) attrs.Add("md5");
        if ((c & CheckFlags.Sha1) != 0 && b.Sha1 is not null && a.Sha1 is not null && !SameBytes(b.Sha1, a.Sha1)) attrs.Add("sha1");
        if ((c & CheckFlags.Sha256) != 0 && b.Sha256 is not null && a.Sha256 is not null && !SameBytes(b.Sha256, a.Sha256)) attrs.Add("sha256");
        return attrs.ToArray();
    }

    // ---------------- hashing ----------------

    private const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    [DllImport("libc", SetLastError = true, EntryPoint = "open")]
    private static extern int open_(string path, int flags);

    private sealed class HashState
    {
        public readonly IncrementalHash Md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        public readonly IncrementalHash Sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        public readonly IncrementalHash Sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public readonly byte[] A = GC.AllocateUninitializedArray<byte>(1 << 20);
        public readonly byte[] B = GC.AllocateUninitializedArray<byte>(1 << 20);
    }

    private void HashLoop()
    {
        try
        {
            if (_lanes) { LaneLoop(); return; }
            var hs = t_hash ??= new HashState();
            while (TakeWork(wait: true, out var w)) HashGuarded(w, hs);
        }
        catch { _hashFailed = true; throw; } // the walkers must not wait for a queue nobody drains
    }

    /// <summary>The next file to hash, big files first; false when none is ready (or, waiting, when the walk is over).</summary>
    private bool TakeWork(bool wait, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HashWork? w)
    {
        if (_bigQueue.TryTake(out w) || _hashQueue.TryTake(out w)) return true;
        if (!wait) return false;
        while (true)
        {
            if (_bigQueue.TryTake(out w) || _hashQueue.TryTake(out w)) return true;
            if (_bigQueue.IsCompleted && _hashQueue.IsCompleted) return false;
            Thread.Sleep(1); // polling: a blocking take spins and yields on every item
        }
    }

    private void HashGuarded(HashWork w, HashState hs, FileStat? from = null)
    {
        try { HashOne(w, hs, from); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read that failed half-way leaves partial data in the running digests: drop it.
            hs.Md5.GetHashAndReset(); hs.Sha1.GetHashAndReset(); hs.Sha256.GetHashAndReset();
            Problem("HIDS3001", w.Path, "read failed: " + ex.Message);
            if (w.Before is not null) w.Before.Seen = true;
        }
    }

    /// <summary>
    /// Opens the file the walk listed, for reading; null when it cannot be read (reported, or handed on with the
    /// attributes that need no read).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private SafeFileHandle? OpenListed(HashWork w, in FileStat pre)
    {
        int fd = open_(w.Path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Native.ENOENT) { if (w.Before is not null) w.Before.Seen = false; return null; } // vanished: reported as deleted
            Problem("HIDS3001", w.Path, $"cannot open: {Native.ErrnoText(errno)}", errno == Native.EACCES ? "The scanner needs read access to every watched file (run the monitor as root) or <ignore> the file." : null);
            // Keep what is known: compare the attributes that need no read, keep the stored digests.
            var u = FromStat(w.Path, pre);
            u.Md5 = w.Before?.Md5; u.Sha1 = w.Before?.Sha1; u.Sha256 = w.Before?.Sha256; u.Flags = w.Before?.Flags ?? 0;
            Emit(w.Before, u, w.Root, null);
            return null;
        }
        var h = new SafeFileHandle(fd, ownsHandle: true);
        // O_NOFOLLOW guards only the last path component: a directory swapped for a symlink on the way (e.g. to
        // /etc) would make us read another file. Only read what the walk saw: same device and inode.
        if (Native.StatFd(fd, out var opened) != 0 || opened.Inode != w.Stat.Inode || opened.Device != w.Stat.Device)
        {
            h.Dispose();
            Problem("HIDS3007", w.Path, "the path names another file than the one listed (replaced during the scan, or a directory swapped for a link); not read", "It is checked again at the next scan.");
            if (w.Before is not null) w.Before.Seen = true;
            return null;
        }
        // Read-ahead hint only where there is more than one read to do (most files are read in one call).
        if (pre.Size > 64 * 1024) Native.posix_fadvise(fd, 0, 0, 2 /* SEQUENTIAL */);
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private void HashOne(HashWork w, HashState hs, FileStat? from = null)
    {
        _current = w.Path;
        var checks = w.Root.Checks;
        bool capture = w.Root.ReportChanges && !_policy.IsNoDiff(w.Path);
        var pre = from ?? w.Stat;
        FileStat post = pre;
        byte[]? md5 = null, sha1 = null, sha256 = null, content = null;
        bool stable = false;
        for (int attempt = 0; attempt < 3 && !stable; attempt++)
        {
            using var h = OpenListed(w, pre);
            if (h is null) return;
            MemoryStream? ms = capture && pre.Size <= _diffs.SizeLimit ? new MemoryStream((int)Math.Max(0, pre.Size)) : null;
            long total = 0;
            var bufs = new[] { hs.A, hs.B };
            int cur = 0;
            Task<int>? next = null;
            // Big files with MD5 and another digest: MD5 (the slow one) runs on a second thread over the same chunk
            // while this one does SHA-1/SHA-256, so one big file found late does not leave a core idle at the end.
            bool split = (checks & CheckFlags.Md5) != 0 && (checks & (CheckFlags.Sha1 | CheckFlags.Sha256)) != 0 && pre.Size >= BigFileBytes;
            Task? md5Task = null;
            try
            {
            while (true)
            {
                int n;
                if (next is null) n = RandomAccess.Read(h, bufs[cur], total);
                else { n = next.GetAwaiter().GetResult(); next = null; }
                if (n <= 0) break;
                var chunk = bufs[cur];
                var data = new ReadOnlySpan<byte>(chunk, 0, n);
                total += n;
                // The other buffer is free once the MD5 of its chunk is done.
                md5Task?.GetAwaiter().GetResult(); md5Task = null;
                // Big files: the next read is in flight while this chunk is hashed.
                if (n == bufs[cur].Length && total < pre.Size + (1 << 20))
                {
                    int nxt = cur ^ 1;
                    next = RandomAccess.ReadAsync(h, bufs[nxt].AsMemory(), total).AsTask();
                }
                if (split) { int len = n; md5Task = Task.Run(() => hs.Md5.AppendData(chunk, 0, len)); }
                else if ((checks & CheckFlags.Md5) != 0) hs.Md5.AppendData(data);
                if ((checks & CheckFlags.Sha1) != 0) hs.Sha1.AppendData(data);
                if ((checks & CheckFlags.Sha256) != 0) hs.Sha256.AppendData(data);
                if (ms is not null) { if (ms.Length + n <= _diffs.SizeLimit) ms.Write(data); else ms = null; }
                if (next is not null) cur ^= 1;
                else if (n < bufs[cur].Length && total >= pre.Size) { /* short read at EOF: one more read confirms */ }
            }
            }
            finally
            {
                // Never leave MD5 running over a buffer (or a digest state) that is about to be reused.
                try { md5Task?.GetAwaiter().GetResult(); } catch { }
                try { next?.GetAwaiter().GetResult(); } catch { }
            }
            md5 = (checks & CheckFlags.Md5) != 0 ? hs.Md5.GetHashAndReset() : null;
            sha1 = (checks & CheckFlags.Sha1) != 0 ? hs.Sha1.GetHashAndReset() : null;
            sha256 = (checks & CheckFlags.Sha256) != 0 ? hs.Sha256.GetHashAndReset() : null;
            content = ms?.ToArray();
            Interlocked.Increment(ref _hashed);
            Interlocked.Add(ref _bytes, total);
            // Re-stat: a file written while it was read gets read again (twice at most), then is marked unstable.
            // fstat of what was read (no second path walk: statx by path cost ~4% of a baseline's CPU); a path
            // replaced or removed meanwhile is found by the next scan or realtime event, as any later change.
            if (Native.StatFd((int)h.DangerousGetHandle(), out post) != 0) { if (w.Before is not null) w.Before.Seen = false; return; }
            stable = post.Size == pre.Size && post.MtimeNs == pre.MtimeNs && post.CtimeNs == pre.CtimeNs && post.Inode == pre.Inode && total == post.Size;
            if (!stable) pre = post;
        }
        var e = FromStat(w.Path, post);
        e.Md5 = md5; e.Sha1 = sha1; e.Sha256 = sha256;
        if (!stable)
        {
            e.Flags = BaselineEntry.FlagUnstable;
            Problem("HIDS3003", w.Path, "file kept changing while it was hashed; recorded as unstable and checked again next scan");
        }
        Emit(w.Before, e, w.Root, content);
    }

    // ---------------- multi-buffer hashing ----------------

    private const CheckFlags LaneDigests = CheckFlags.Md5 | CheckFlags.Sha1;

    /// <summary>One file being hashed in one lane (SHA-256 runs over the same chunk as it is read).</summary>
    private sealed class Lane
    {
        public HashWork? W;
        public SafeFileHandle? Handle;
        public long Pos;
        public MemoryStream? Content;
        public IncrementalHash? Sha256;
    }

    /// <summary>
    /// A hash worker that keeps 8-16 files open, one per lane: each file is read in 64 KiB chunks into its lane's
    /// slot, the chunk goes through SHA-256 (one stream, SHA-NI) and then all lanes' MD5 and SHA-1 advance together.
    /// A lane whose file is done takes the next one from the queue. Files with neither MD5 nor SHA-1 in their checks
    /// take the one-stream path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private void LaneLoop()
    {
        using var dl = new DigestLanes();
        var lanes = new Lane[dl.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = new Lane();
        int active = 0;
        bool drained = false;
        try
        {
            while (true)
            {
                // Fill idle lanes: without waiting while other lanes have work; waiting for the queue when none has.
                for (int i = 0; i < lanes.Length && !drained; i++)
                {
                    var lane = lanes[i];
                    while (lane.W is null)
                    {
                        if (!TakeWork(wait: active == 0, out var w)) { if (active == 0) drained = true; break; }
                        // Big files take the one-stream path (MD5 on another thread than SHA-1/SHA-256): in a lane,
                        // a 200 MiB file would keep the lanes going for one stream long after the others are done.
                        // Files whose contents are kept for report_changes take it too above one chunk, so that 16
                        // lanes never hold 16 copies of up to DiffSizeLimit each.
                        if ((w.Root.Checks & LaneDigests) == 0 || w.Stat.Size >= BigFileBytes || (w.Root.ReportChanges && w.Stat.Size > dl.ChunkBytes))
                        { HashGuarded(w, t_hash ??= new HashState()); continue; }
                        if (StartLane(dl, i, lane, w)) active++;
                    }
                }
                if (active == 0) { if (drained) break; continue; }
                // Every busy lane needs blocks for the MD5 round: the next chunk of its file, or its padded end.
                for (int i = 0; i < lanes.Length; i++)
                    if (lanes[i].W is not null && dl.Remaining(i) == 0 && !ReadLane(dl, i, lanes[i])) active--;
                dl.Run();
                for (int i = 0; i < lanes.Length; i++)
                    if (lanes[i].W is not null && dl.Remaining(i) == 0 && dl.LastWasPad(i)) { FinishLane(dl, i, lanes[i]); active--; }
            }
        }
        finally
        {
            foreach (var l in lanes) { l.Handle?.Dispose(); l.Sha256?.Dispose(); }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private bool StartLane(DigestLanes dl, int i, Lane lane, HashWork w)
    {
        _current = w.Path;
        var h = OpenListed(w, w.Stat);
        if (h is null) return false;
        if (w.Stat.Size > dl.ChunkBytes) Native.posix_fadvise((int)h.DangerousGetHandle(), 0, Math.Min(w.Stat.Size, 4L << 20), 3 /* WILLNEED */);
        lane.W = w; lane.Handle = h; lane.Pos = 0;
        lane.Content = w.Root.ReportChanges && !_policy.IsNoDiff(w.Path) && w.Stat.Size <= _diffs.SizeLimit ? new MemoryStream((int)Math.Max(0, w.Stat.Size)) : null;
        if ((w.Root.Checks & CheckFlags.Sha256) != 0) lane.Sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        dl.Reset(i, md5: (w.Root.Checks & CheckFlags.Md5) != 0, sha1: (w.Root.Checks & CheckFlags.Sha1) != 0);
        return true;
    }

    private void ReleaseLane(DigestLanes dl, int i, Lane lane)
    {
        lane.Handle?.Dispose();
        lane.Handle = null; lane.W = null; lane.Content = null;
        dl.Idle(i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private bool ReadLane(DigestLanes dl, int i, Lane lane)
    {
        var w = lane.W!;
        try
        {
            var slot = dl.Slot(i);
            int n = RandomAccess.Read(lane.Handle!, slot, lane.Pos);
            var data = slot[..n];
            if ((w.Root.Checks & CheckFlags.Sha256) != 0) lane.Sha256!.AppendData(data);
            if (lane.Content is not null) { if (lane.Content.Length + n <= _diffs.SizeLimit) lane.Content.Write(data); else lane.Content = null; }
            lane.Pos += n;
            // A short read of a regular file is its end; a file that grew meanwhile is caught by the re-stat.
            if (n < dl.ChunkBytes) dl.Pad(i, n, lane.Pos); else dl.Feed(i, n);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lane.Sha256?.GetHashAndReset();
            ReleaseLane(dl, i, lane);
            Problem("HIDS3001", w.Path, "read failed: " + ex.Message);
            if (w.Before is not null) w.Before.Seen = true;
            return false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private void FinishLane(DigestLanes dl, int i, Lane lane)
    {
        var w = lane.W!;
        var checks = w.Root.Checks;
        var e = new BaselineEntry();
        e.Md5 = (checks & CheckFlags.Md5) != 0 ? dl.Md5(i) : null;
        e.Sha1 = (checks & CheckFlags.Sha1) != 0 ? dl.Sha1(i) : null;
        e.Sha256 = (checks & CheckFlags.Sha256) != 0 ? lane.Sha256!.GetHashAndReset() : null;
        var content = lane.Content?.ToArray();
        long total = lane.Pos;
        // Re-stat the file that was read (see HashOne).
        int statErr = Native.StatFd((int)lane.Handle!.DangerousGetHandle(), out var post);
        ReleaseLane(dl, i, lane);
        Interlocked.Increment(ref _hashed);
        Interlocked.Add(ref _bytes, total);
        try
        {
            if (statErr != 0) { if (w.Before is not null) w.Before.Seen = false; return; }
            var pre = w.Stat;
            bool stable = post.Size == pre.Size && post.MtimeNs == pre.MtimeNs && post.CtimeNs == pre.CtimeNs && post.Inode == pre.Inode && total == post.Size;
            // Changed while it was read: read it again on the one-stream path (which retries, then marks it unstable).
            if (!stable) { HashGuarded(w, t_hash ??= new HashState(), post); return; }
            var a = FromStat(w.Path, post);
            a.Md5 = e.Md5; a.Sha1 = e.Sha1; a.Sha256 = e.Sha256;
            Emit(w.Before, a, w.Root, content);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Problem("HIDS3001", w.Path, "read failed: " + ex.Message);
            if (w.Before is not null) w.Before.Seen = true;
        }
    }

    // ---------------- writer ----------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, per file: fully optimised at once, not through tiers
    private void WriterLoop(ScanSummary summary, List<long> outboxIds)
    {
        var ops = new List<StoreOp>(BatchSize + 16);
        var flushAt = Stopwatch.StartNew();
        bool alertNew = _policy.Options.AlertNewFiles;
        void Flush()
        {
            if (ops.Count == 0) return;
            outboxIds.AddRange(_store.Apply(ops));
            ops.Clear();
            flushAt.Restart();
        }
        void Change(string path, string kind, string[] attrs, bool reported)
        {
            if (summary.Changes.Count < 10000) summary.Changes.Add(new FileChange { Path = path, Change = kind, ChangedAttributes = attrs, Reported = reported });
        }
        while (true)
        {
            // Polling with a short sleep when there is nothing to write: a blocking take would wake (spin, yield,
            // switch) once per result, ~50,000 times in a baseline of 50k files.
            if (!_results.TryTake(out var r))
            {
                if (_results.IsCompleted) break;
                if (flushAt.ElapsedMilliseconds > 500) Flush();
                Thread.Sleep(1);
                continue;
            }
            var first = r.Root is not null && _firstBaselineRoots.Contains(r.Root.Path);
            var now = DateTimeOffset.UtcNow;
            if (Accept && r.Kind is ResultKind.Added or ResultKind.Modified or ResultKind.Deleted)
            {
                ops.Add(r.Kind == ResultKind.Deleted ? new DeleteOp(r.Path) : new UpsertOp(r.Entry!));
                ops.Add(new HistoryOp(Record(now, r, "Accepted", $"Baseline accepted ({r.Kind}) for: '{r.Path}'"), null));
                if (r.Kind == ResultKind.Added) summary.Added++; else if (r.Kind == ResultKind.Modified) summary.Changed++; else summary.Deleted++;
                Change(r.Path, r.Kind.ToString(), r.Attrs, false);
                if (ops.Count >= BatchSize) Flush();
                continue;
            }
            switch (r.Kind)
            {
                case ResultKind.Added:
                {
                    ops.Add(new UpsertOp(r.Entry!));
                    summary.Added++;
                    if (first) { Change(r.Path, "Added", r.Attrs, false); break; }
                    var ev = alertNew ? SyscheckEvents.Added(r.Entry!) : null;
                    ops.Add(new HistoryOp(Record(now, r, "Added", ev?.FullLog ?? SyscheckEvents.AddedText(r.Path)), ev));
                    if (ev is not null) summary.Events++;
                    Change(r.Path, "Added", r.Attrs, ev is not null);
                    break;
                }
                case ResultKind.Modified:
                {
                    ops.Add(new UpsertOp(r.Entry!));
                    summary.Changed++;
                    var ev = SyscheckEvents.Changed(r.Before!, r.Entry!, r.Attrs, r.Diff);
                    bool autoIgnored = _policy.Options.AutoIgnore && _store.CountChanges(r.Path) >= 3;
                    if (autoIgnored) _log.Info("hids-syscheckd", $"auto_ignore: '{r.Path}' changed more than 3 times; no further alerts");
                    ops.Add(new HistoryOp(Record(now, r, "Modified", ev.FullLog), autoIgnored ? null : ev));
                    if (!autoIgnored) summary.Events++;
                    Change(r.Path, "Modified", r.Attrs, !autoIgnored);
                    break;
                }
                case ResultKind.Deleted:
                {
                    ops.Add(new DeleteOp(r.Path));
                    summary.Deleted++;
                    if (r.Root?.ReportChanges == true) _diffs.Remove(r.Path);
                    var ev = SyscheckEvents.Deleted(r.Before!);
                    ops.Add(new HistoryOp(Record(now, r, "Deleted", ev.FullLog), ev));
                    summary.Events++;
                    Change(r.Path, "Deleted", r.Attrs, true);
                    break;
                }
                case ResultKind.Touched:
                    ops.Add(new UpsertOp(r.Entry!));
                    break;
                case ResultKind.DropSilently:
                    ops.Add(new DeleteOp(r.Path));
                    _diffs.Remove(r.Path);
                    break;
            }
            if (ops.Count >= BatchSize) Flush();
        }
        Flush();
    }

    private FileChangeRecord Record(DateTimeOffset now, FileResult r, string change, string fullLog) => new()
    {
        Time = now, Path = r.Path, Change = change, ChangedAttributes = r.Attrs, Source = Source,
        SizeBefore = r.Before?.Size, SizeAfter = r.Entry?.Size,
        Sha256Before = BaselineEntry.Hex(r.Before?.Sha256), Sha256After = BaselineEntry.Hex(r.Entry?.Sha256),
        Md5After = BaselineEntry.Hex(r.Entry?.Md5), Sha1After = BaselineEntry.Hex(r.Entry?.Sha1),
        Diff = r.Diff, FullLog = fullLog,
    };
}
