using System.Text;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Alerts;

/// <summary>Counters of the alert outputs (Get-HidsStatus shows them through the monitor).</summary>
public sealed class AlertOutputStatus
{
    public long AlertsReceived { get; set; }
    public long AlertsStored { get; set; }
    /// <summary>Alerts stored in the last 60 seconds.</summary>
    public int AlertsPerMinute { get; set; }
    /// <summary>Alerts written to the spool because the store refused them (replayed into the store later).</summary>
    public long AlertsSpooled { get; set; }
    public long StoreErrors { get; set; }
    public int MailsQueued { get; set; }
    public int MailsPending { get; set; }
    public int MailsHeld { get; set; }
    public long MailsSent { get; set; }
    public long MailsFailed { get; set; }
    public long MailDigests { get; set; }
    public string? MailLastError { get; set; }
    public long SyslogSent { get; set; }
    public long SyslogErrors { get; set; }
    public string? SyslogLastError { get; set; }
    public long Pruned { get; set; }
}

/// <summary>Builds the alert outputs of an instance from its configuration.</summary>
public static class AlertOutputs
{
    public static AlertDispatcher Create(InstancePaths paths, HidsConfiguration config, IHidsLog log)
        => Create(paths, config, log, TimeProvider.System, background: true);

    public static AlertDispatcher Create(InstancePaths paths, HidsConfiguration config, IHidsLog log, TimeProvider clock, bool background)
    {
        var store = AlertStore.OpenWriter(paths.AlertStore);
        AlertFileWriter? files = null;
        if (config.Global.AlertsLog || config.Global.JsonOutput)
            files = new AlertFileWriter(config.Global.AlertsLog ? paths.AlertsLog : null, config.Global.JsonOutput ? paths.AlertsJson : null);
        MailNotifier? mail = null;
        var ms = MailSettings.From(config);
        if (ms.Enabled) mail = new MailNotifier(ms, paths.MailQueue, log, clock, background);
        else if (Directory.Exists(Path.Combine(paths.MailQueue, "out")) && Directory.EnumerateFiles(Path.Combine(paths.MailQueue, "out"), "*.eml").Any())
            log.Warn("hids-maild", "email_notification is off but queued mails remain in " + paths.MailQueue);
        var syslog = config.SyslogOutputs.Where(o => !string.IsNullOrWhiteSpace(o.Server)).Select(o => new SyslogOutput(o, log)).ToList();
        return new AlertDispatcher(paths, store, files, mail, syslog, config, log, clock);
    }
}

/// <summary>
/// Fans each alert out to the store, alerts.log/alerts.json, e-mail and syslog, honouring log_alert_level,
/// email_alert_level and the rule options (no_log, alert_by_email, no_email_alert). <see cref="Write"/> returns once
/// the alert is durable: committed to the store (WAL) or, when the store fails, appended to the spool file
/// (queue/alerts.spool) and replayed into the store later.
/// </summary>
public sealed class AlertDispatcher : IAlertSink, IDisposable
{
    private const string Component = "hids-alerts";
    private readonly InstancePaths _paths;
    private readonly AlertStore _store;
    private readonly AlertFileWriter? _files;
    private readonly MailNotifier? _mail;
    private readonly List<SyslogOutput> _syslog;
    private readonly HidsConfiguration _config;
    private readonly IHidsLog _log;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly Queue<long> _recent = new();
    private readonly string _spool;
    private long _received, _stored, _spooled, _storeErrors, _pruned;
    private DateTimeOffset _nextPrune;
    private readonly Timer _timer;
    private bool _disposed;

    internal AlertDispatcher(InstancePaths paths, AlertStore store, AlertFileWriter? files, MailNotifier? mail, List<SyslogOutput> syslog,
        HidsConfiguration config, IHidsLog log, TimeProvider clock)
    {
        _paths = paths; _store = store; _files = files; _mail = mail; _syslog = syslog; _config = config; _log = log; _clock = clock;
        _spool = Path.Combine(paths.Queue, "alerts.spool");
        ReplaySpool();
        _nextPrune = _clock.GetUtcNow();
        PruneIfDue();
        _timer = new Timer(_ => Tick(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
    }

    public string Name => "alerts";
    public AlertStore Store => _store;
    public MailNotifier? Mail => _mail;

    public AlertOutputStatus Status
    {
        get
        {
            var s = new AlertOutputStatus();
            lock (_gate)
            {
                s.AlertsReceived = _received; s.AlertsStored = _stored; s.AlertsSpooled = _spooled; s.StoreErrors = _storeErrors; s.Pruned = _pruned;
                var cut = _clock.GetUtcNow().ToUnixTimeMilliseconds() - 60_000;
                while (_recent.Count > 0 && _recent.Peek() < cut) _recent.Dequeue();
                s.AlertsPerMinute = _recent.Count;
            }
            if (_mail is not null)
            {
                var m = _mail.Status;
                s.MailsQueued = m.Queued; s.MailsPending = m.Pending; s.MailsHeld = m.Held; s.MailsSent = m.Sent; s.MailsFailed = m.Failed;
                s.MailDigests = m.Digests; s.MailLastError = m.LastError;
            }
            foreach (var o in _syslog) { s.SyslogSent += o.Sent; s.SyslogErrors += o.Errors; s.SyslogLastError ??= o.LastError; }
            return s;
        }
    }

    /// <summary>Does the alert go to the log outputs (store and files)?</summary>
    public bool ShouldLog(Alert a) => !a.NoLog && a.Level >= _config.Alerts.LogAlertLevel;

    public void Write(Alert alert)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(AlertDispatcher));
        if (string.IsNullOrEmpty(alert.Host)) alert.Host = Environment.MachineName;
        if (alert.Time == default) alert.Time = _clock.GetUtcNow().ToLocalTime();
        lock (_gate) _received++;
        bool log = ShouldLog(alert);
        bool mailed = false;
        if (log)
        {
            StoreDurably(alert);
        }
        if (string.IsNullOrEmpty(alert.AlertId)) alert.AlertId = $"{alert.Time.ToUnixTimeSeconds()}.n{_received}";
        if (_mail is not null)
        {
            try { mailed = _mail.Write(alert); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _log.Error("hids-maild", $"cannot queue mail for alert {alert.AlertId} (rule {alert.RuleId}): {ex.Message}");
            }
        }
        if (log && _files is not null)
        {
            try { _files.Write(alert, mailed); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _log.Error(Component, "cannot write alerts.log/alerts.json: " + ex.Message);
            }
        }
        foreach (var s in _syslog)
        {
            try { s.Write(alert); } catch (Exception ex) when (ex is not OutOfMemoryException) { _log.Warn(Component, $"{s.Name}: {ex.Message}"); }
        }
    }

    private void StoreDurably(Alert alert)
    {
        try
        {
            _store.Add(alert);
            lock (_gate)
            {
                _stored++;
                _recent.Enqueue(_clock.GetUtcNow().ToUnixTimeMilliseconds());
                while (_recent.Count > 100_000) _recent.Dequeue();
            }
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            lock (_gate) _storeErrors++;
            _log.Error(Component, $"alert store refused an alert ({ex.Message}); spooled to {_spool}");
            Spool(alert);
        }
    }

    private void Spool(Alert alert)
    {
        if (string.IsNullOrEmpty(alert.AlertId)) alert.AlertId = $"{alert.Time.ToUnixTimeSeconds()}.s{Interlocked.Increment(ref _spooled)}";
        else Interlocked.Increment(ref _spooled);
        var line = Encoding.UTF8.GetBytes(AlertJson.Serialize(alert) + "\n");
        lock (_gate)
        {
            using var fs = new FileStream(_spool, FileMode.Append, FileAccess.Write, FileShare.Read);
            fs.Write(line);
            fs.Flush(flushToDisk: true);
        }
    }

    /// <summary>Moves spooled alerts into the store (on start and periodically).</summary>
    public int ReplaySpool()
    {
        lock (_gate)
        {
            if (!File.Exists(_spool)) return 0;
            var alerts = new List<Alert>();
            foreach (var line in File.ReadLines(_spool))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                try { var a = AlertJson.Deserialize(line); a.Id = 0; alerts.Add(a); }
                catch (System.Text.Json.JsonException) { _log.Warn(Component, "skipping a torn line in the alert spool"); }
            }
            try
            {
                _store.Add(alerts);
                _stored += alerts.Count;
                File.Delete(_spool);
                if (alerts.Count > 0) _log.Info(Component, $"{alerts.Count} spooled alert(s) moved into the alert store");
                return alerts.Count;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                _log.Warn(Component, "alert spool not replayed yet: " + ex.Message);
                return 0;
            }
        }
    }

    private void PruneIfDue()
    {
        var days = _config.Global.AlertRetentionDays;
        if (days <= 0) return;
        var now = _clock.GetUtcNow();
        if (now < _nextPrune) return;
        _nextPrune = now.AddHours(1);
        try
        {
            var n = _store.Prune(now.AddDays(-days));
            if (n > 0)
            {
                lock (_gate) _pruned += n;
                _log.Info(Component, $"alert retention ({days} days): {n} old alert(s) removed from the store");
            }
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            _log.Warn(Component, "alert store pruning failed: " + ex.Message);
        }
    }

    private void Tick()
    {
        if (_disposed) return;
        try
        {
            ReplaySpool();
            PruneIfDue();
            _files?.Flush();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException) { _log.Warn(Component, "periodic maintenance: " + ex.Message); }
    }

    public void Flush()
    {
        try { _files?.Flush(); } catch (IOException ex) { _log.Warn(Component, ex.Message); }
        _mail?.Flush();
        foreach (var s in _syslog) s.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        Flush();
        _disposed = true;
        _timer.Dispose();
        _mail?.Dispose();
        foreach (var s in _syslog) s.Dispose();
        _files?.Dispose();
        _store.Dispose();
    }
}
