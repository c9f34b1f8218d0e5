using System.Collections.Concurrent;
using System.Text.Json;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Syscheck;

/// <summary>What syscheck is doing (Get-HidsStatus shows it).</summary>
public sealed class SyscheckStatus
{
    public DateTimeOffset? LastScanStart { get; set; }
    public DateTimeOffset? LastScanEnd { get; set; }
    public bool ScanRunning { get; set; }
    public long FilesInBaseline { get; set; }
    public string[] RealtimeDirectories { get; set; } = Array.Empty<string>();
    public int WatchesUsed { get; set; }
    /// <summary>The system limit (/proc/sys/fs/inotify/max_user_watches).</summary>
    public int WatchLimit { get; set; }
    /// <summary>Directories that should be watched in realtime but are not (watch limit, overflow being repaired).</summary>
    public string[] LostCoverage { get; set; } = Array.Empty<string>();
    /// <summary>Events recorded but not yet handed to the rule engine.</summary>
    public long PendingEvents { get; set; }
    public DateTimeOffset Updated { get; set; } = DateTimeOffset.Now;
}

/// <summary>
/// Syscheck in the monitor: scan on start, every &lt;frequency&gt; seconds, realtime re-checks from inotify, and the
/// hand-over of recorded events (its own and those Invoke-HidsScan recorded) to the rule engine.
/// </summary>
public sealed class SyscheckService : IDisposable
{
    private readonly InstancePaths _paths;
    private readonly SyscheckOptions _options;
    private readonly Action<LogEvent> _emit;
    private readonly IHidsLog _log;
    private readonly SyscheckPolicy _policy;
    private readonly DiffStore _diffs;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _storeGate = new();
    private BaselineStore? _store;   // used by scans, under _gate
    private BaselineStore? _aux;     // outbox hand-over and status, under _storeGate (SQLite WAL lets both work at once)
    private InotifyWatcher? _watcher;
    private Timer? _scanTimer, _outboxTimer;
    private Thread? _realtimeThread;
    private readonly CancellationTokenSource _cts = new();
    private readonly ConcurrentDictionary<string, bool> _pendingHints = new(StringComparer.Ordinal);
    private readonly AutoResetEvent _hintSignal = new(false);
    private readonly ConcurrentDictionary<string, byte> _lost = new(StringComparer.Ordinal);
    private volatile bool _rebuildWatches;
    private DateTimeOffset? _lastStart, _lastEnd;
    private volatile bool _scanning;

    /// <summary>Debounce between the first hint of a burst and its re-check.</summary>
    public TimeSpan RealtimeDelay { get; set; } = TimeSpan.FromMilliseconds(5);
    /// <summary>Cap on inotify watches (0 = system limit only). Tests lower it to exercise the limit path.</summary>
    public int MaxWatches { get; set; }
    /// <summary>Hash workers (0 = one per core).</summary>
    public int Workers { get; set; }
    /// <summary>Multi-buffer MD5 for files that need MD5 (when the CPU has AVX2/AVX-512); tests compare both paths.</summary>
    public bool UseDigestLanes { get; set; } = true;

    public SyscheckService(InstancePaths paths, SyscheckOptions options, Action<LogEvent> emit, IHidsLog log)
    {
        _paths = paths; _options = options; _emit = emit; _log = log ?? NullLog.Instance;
        // The instance's own folder churns constantly (logs, queue): never watched, never baselined.
        _policy = new SyscheckPolicy(options, new[] { paths.Root + "/" });
        _diffs = new DiffStore(paths.DiffDir, options.DiffSizeLimit);
        Workers = options.Workers;
    }

    internal SyscheckPolicy Policy => _policy;
    internal InotifyWatcher? Watcher => _watcher;

    private readonly object _openGate = new();
    private BaselineStore Store
    {
        get
        {
            lock (_openGate)
            {
                if (_store is not null) return _store;
                _store = BaselineStore.Open(_paths.SyscheckStore, out var corruption);
                if (corruption is not null) ReportProblem("HIDS3010", corruption);
                return _store;
            }
        }
    }

    private BaselineStore Aux
    {
        get
        {
            lock (_openGate)
            {
                if (_aux is not null) return _aux;
                _ = Store;
                return _aux = BaselineStore.Open(_paths.SyscheckStore, out _, check: false);
            }
        }
    }

    private void ReportProblem(string code, string message)
    {
        _log.Error("hids-syscheckd", $"{code}: {message}");
        SafeEmit(SyscheckEvents.Problem(code, message));
    }

    private bool SafeEmit(LogEvent ev)
    {
        try { _emit(ev); return true; }
        catch (Exception ex) { _log.Error("hids-syscheckd", "event hand-over failed: " + ex.Message); return false; }
    }

    public void Start()
    {
        if (_options.Disabled) { _log.Info("hids-syscheckd", "syscheck disabled"); return; }
        _ = Store; // open (and check) the store now: a corrupt store is reported at start
        DeliverOutbox();
        var realtimeRoots = _policy.Roots.Where(r => r.Realtime).ToList();
        if (realtimeRoots.Count > 0)
        {
            _watcher = new InotifyWatcher(ShouldWatch, Hint, Overflow, LimitReached) { MaxWatches = MaxWatches };
            _watcher.Start();
            foreach (var r in realtimeRoots) _watcher.AddTree(r.Path, r.MaxDepth);
            _realtimeThread = new Thread(RealtimeLoop) { IsBackground = true, Name = "hids-syscheck-realtime" };
            _realtimeThread.Start();
            _log.Info("hids-syscheckd", $"realtime monitoring: {realtimeRoots.Count} directories, {_watcher.WatchCount} watches (limit {InotifyWatcher.SystemWatchLimit()})");
        }
        PersistStatus();
        var freq = TimeSpan.FromSeconds(Math.Max(1, _options.Frequency));
        _scanTimer = new Timer(_ => { _ = FullScanInBackground("frequency"); }, null, _options.ScanOnStart ? TimeSpan.Zero : freq, freq);
        _outboxTimer = new Timer(_ => { try { DeliverOutbox(); } catch (Exception ex) { _log.Warn("hids-syscheckd", "outbox: " + ex.Message); } }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    private async Task FullScanInBackground(string why)
    {
        if (_scanning) return;
        try { await ScanAsync(null, null, _cts.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        catch (Exception ex) { _log.Error("hids-syscheckd", $"scan ({why}) failed: {ex.Message}"); }
    }

    /// <summary>Scans the given paths (inside configured directories), or every configured directory.</summary>
    public Task<ScanSummary> ScanAsync(IEnumerable<string>? paths, IProgress<ScanProgress>? progress, CancellationToken ct)
        => ScanAsync(paths, progress, ct, force: false);

    public Task<ScanSummary> ScanAsync(IEnumerable<string>? paths, IProgress<ScanProgress>? progress, CancellationToken ct, bool force)
    {
        var targets = paths is null
            ? _policy.Roots.Select(r => new ScanTarget(r.Path, true)).ToList()
            : paths.Select(p => new ScanTarget(SyscheckPolicy.Normalize(p), true)).ToList();
        return Task.Run(() => RunLocked(targets, progress, ct, force, paths is null ? "monitor" : "monitor", record: true), ct);
    }

    private ScanSummary RunLocked(List<ScanTarget> targets, IProgress<ScanProgress>? progress, CancellationToken ct, bool force, string source, bool record, bool inline = false)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _cts.Token);
        _gate.Wait(linked.Token);
        try
        {
            using var lk = WriterLock.TryAcquire(WriterLock.PathFor(_paths), TimeSpan.FromMinutes(30), linked.Token,
                () => _log.Info("hids-syscheckd", "waiting for another baseline writer (Invoke-HidsScan?)"))
                ?? throw new TimeoutException("another process holds the syscheck baseline lock");
            if (record) { _scanning = true; _lastStart = DateTimeOffset.Now; }
            var scanner = new Scanner(_policy, Store, _diffs, _log) { Force = force, Source = source, Workers = Workers, RecordScan = record, Inline = inline, UseDigestLanes = UseDigestLanes };
            var summary = scanner.Run(targets, progress, linked.Token, out _);
            if (record)
            {
                _lastEnd = DateTimeOffset.Now;
                _log.Info("hids-syscheckd", $"scan done: {summary.Files} files, {summary.Added} added, {summary.Changed} changed, {summary.Deleted} deleted, {summary.Errors} problems in {summary.Duration.TotalSeconds:F1} s");
            }
            return summary;
        }
        finally
        {
            if (record) _scanning = false;
            _gate.Release();
            DeliverOutbox();
            PersistStatus();
        }
    }

    /// <summary>Hands recorded events to the rule engine, oldest first; an event leaves the outbox only once handed over.</summary>
    public int DeliverOutbox()
    {
        int n = 0;
        lock (_storeGate)
        {
            while (true)
            {
                var batch = Aux.ReadOutbox(500);
                if (batch.Count == 0) break;
                var done = new List<long>();
                foreach (var (id, ev) in batch)
                {
                    if (!SafeEmit(ev)) break;
                    done.Add(id);
                }
                Aux.DeleteOutbox(done);
                n += done.Count;
                if (done.Count < batch.Count) break;
            }
        }
        return n;
    }

    // ---------------- realtime ----------------

    private bool ShouldWatch(string dir)
    {
        if (_policy.IsIgnored(dir) || _policy.IsIgnored(dir + "/")) return false;
        var root = _policy.RootOf(dir);
        if (root is null || !root.Realtime) return false;
        return SyscheckPolicy.DepthBelow(root, dir) <= root.MaxDepth;
    }

    private void Hint(string path, bool recursive)
    {
        if (_policy.IsIgnored(path)) return;
        var root = _policy.RootOf(path);
        if (root is null || !root.Realtime) return;
        _pendingHints.AddOrUpdate(path, recursive, (_, old) => old || recursive);
        _hintSignal.Set();
    }

    private void Overflow(string why)
    {
        var dirs = _policy.Roots.Where(r => r.Realtime).Select(r => r.Path).ToList();
        foreach (var d in dirs) _lost[d] = 0;
        ReportProblem("HIDS3021", $"realtime coverage lost for {string.Join(", ", dirs)}: {why}; changes may have been missed, rescanning them now");
        _rebuildWatches = true;
        _hintSignal.Set();
    }

    private void LimitReached(IReadOnlyList<string> dirs, int used)
    {
        foreach (var d in dirs) _lost[d] = 0;
        var limit = MaxWatches > 0 ? MaxWatches : InotifyWatcher.SystemWatchLimit();
        var list = string.Join(", ", dirs.Take(20)) + (dirs.Count > 20 ? $" and {dirs.Count - 20} more" : "");
        ReportProblem("HIDS3020", $"realtime coverage lost for {dirs.Count} directories (inotify watch limit reached: {used} watches in use, limit {limit}): {list}; " +
                                  "they are checked by the periodic scan only. Raise fs.inotify.max_user_watches or <ignore> busy folders.");
        foreach (var d in dirs) _pendingHints.AddOrUpdate(d, true, (_, _) => true);
        _hintSignal.Set();
    }

    private void RealtimeLoop()
    {
        var ct = _cts.Token;
        while (!ct.IsCancellationRequested)
        {
            _hintSignal.WaitOne(500);
            if (ct.IsCancellationRequested) break;
            if (_rebuildWatches && _watcher is not null)
            {
                _rebuildWatches = false;
                _watcher.Clear();
                _lost.Clear();
                foreach (var r in _policy.Roots.Where(r => r.Realtime)) _watcher.AddTree(r.Path, r.MaxDepth);
                _pendingHints.Clear();
                try { RunLocked(_policy.Roots.Where(r => r.Realtime).Select(r => new ScanTarget(r.Path, true)).ToList(), null, ct, false, "realtime", record: false); }
                catch (Exception ex) when (ex is not OperationCanceledException) { _log.Error("hids-syscheckd", "rescan after overflow failed: " + ex.Message); }
                continue;
            }
            if (_pendingHints.IsEmpty) continue;
            // Debounce: let a burst of events for the same files settle briefly.
            Thread.Sleep(RealtimeDelay);
            var batch = new List<ScanTarget>();
            foreach (var k in _pendingHints.Keys.ToList())
                if (_pendingHints.TryRemove(k, out var rec)) batch.Add(new ScanTarget(k, rec));
            // (The scanner drops paths covered by a directory re-check of the same batch.)
            // A few paths are re-checked on this thread; a big burst or a new directory tree uses the worker pool.
            try { RunLocked(batch, null, ct, false, "realtime", record: false, inline: batch.Count <= 64 && batch.Count(b => b.Recursive) <= 4); }
            catch (OperationCanceledException) { break; }
            catch (Exception ex) { _log.Error("hids-syscheckd", "realtime re-check failed: " + ex.Message); }
        }
    }

    // ---------------- status ----------------

    public SyscheckStatus Status
    {
        get
        {
            var s = new SyscheckStatus
            {
                ScanRunning = _scanning,
                RealtimeDirectories = _policy.Roots.Where(r => r.Realtime).Select(r => r.Path).ToArray(),
                WatchesUsed = _watcher?.WatchCount ?? 0,
                WatchLimit = InotifyWatcher.SystemWatchLimit(),
                LostCoverage = _lost.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray(),
            };
            lock (_storeGate)
            {
                var last = Aux.LastCompletedScan();
                s.LastScanStart = _lastStart ?? last?.Start; s.LastScanEnd = _lastEnd ?? last?.End;
                s.FilesInBaseline = Aux.Count();
                s.PendingEvents = Aux.OutboxCount();
            }
            return s;
        }
    }

    private void PersistStatus()
    {
        try
        {
            var s = Status;
            lock (_storeGate) Aux.SetMeta("status", JsonSerializer.Serialize(s, HidsJson.Compact.SyscheckStatus));
        }
        catch (Exception ex) { _log.Debug("hids-syscheckd", "status not persisted: " + ex.Message); }
    }

    /// <summary>The status the running monitor last recorded in the store (for Get-HidsStatus in another process).</summary>
    public static SyscheckStatus? ReadStatus(InstancePaths paths)
    {
        if (!File.Exists(paths.SyscheckStore)) return null;
        using var store = BaselineStore.Open(paths.SyscheckStore, out _, check: false);
        var json = store.GetMeta("status");
        var s = json is null ? new SyscheckStatus() : JsonSerializer.Deserialize(json, HidsJson.Compact.SyscheckStatus) ?? new SyscheckStatus();
        s.FilesInBaseline = store.Count();
        s.PendingEvents = store.OutboxCount();
        s.WatchLimit = InotifyWatcher.SystemWatchLimit();
        return s;
    }

    public void Dispose()
    {
        _cts.Cancel();
        _scanTimer?.Dispose();
        _outboxTimer?.Dispose();
        _hintSignal.Set();
        _realtimeThread?.Join(5000);
        _watcher?.Dispose();
        _gate.Wait(TimeSpan.FromSeconds(30));
        lock (_storeGate) { _aux?.Dispose(); _aux = null; }
        _store?.Dispose(); _store = null;
    }
}
