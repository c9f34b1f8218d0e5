using System.Collections.Concurrent;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.ActiveResponse;

/// <summary>
/// Active response as an alert sink hosted by the monitor. For each alert it finds the &lt;active-response&gt;
/// entries that apply (not disabled; alert level &gt;= level, or rule id in rules_id, or a group in rules_group —
/// any one criterion suffices, as in OSSEC), validates the srcip/user, and blocks through
/// <see cref="ActiveResponseService"/>. A background thread does the work (Write only queues) and removes blocks
/// whose time is up — including those made by Block-HidsAddress in another process, and those that expired while
/// the monitor was down (unblocked at <see cref="Start"/>).
/// Events it emits (Location "active-response") are handed on from its worker thread.
/// </summary>
public sealed class ActiveResponder : IAlertSink, IDisposable
{
    private readonly ActiveResponseService _service;
    private readonly IHidsLog _log;
    private readonly BlockingCollection<Alert> _queue = new(new ConcurrentQueue<Alert>(), 100_000);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _worker;
    private int _pending; // queued or being acted on
    private bool _disposed;

    public ActiveResponder(InstancePaths paths, HidsConfiguration config, Action<LogEvent> emit, IHidsLog log)
        : this(paths, ActiveResponseSettings.From(config, paths), emit, log) { }

    public ActiveResponder(InstancePaths paths, ActiveResponseSettings settings, Action<LogEvent> emit, IHidsLog log)
    {
        _log = log;
        _service = new ActiveResponseService(paths, settings, log, emit);
    }

    public string Name => "active-response";
    public ActiveResponseService Service => _service;
    public ActiveResponseSettings Settings => _service.Settings;
    /// <summary>How often pending expiries are checked (default 250 ms).</summary>
    public TimeSpan ExpiryPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Reports configuration problems, restores active blocks, unblocks those that expired while down, starts the worker.</summary>
    public void Start()
    {
        if (_worker is not null) return;
        foreach (var p in Settings.Problems) _log.Warn(ActiveResponseService.Component, "active response: " + p);
        int enabled = Settings.Responses.Count(r => !r.Disabled);
        _log.Info(ActiveResponseService.Component, $"active response started: {enabled} response(s), hosts.deny {Settings.HostsDenyPath}, firewall {Settings.FirewallBackend} (table inet {Settings.NftTable})"
            + (Settings.NetworkNamespace is null ? "" : $", network namespace {Settings.NetworkNamespace}"));
        try
        {
            _service.Store.PruneOffences(_service.Clock() - Settings.OffenceWindow);
            int expired = _service.ProcessExpired(atStart: true);
            int restored = _service.Reapply();
            if (expired > 0 || restored > 0)
                _log.Info(ActiveResponseService.Component, $"active response state: {expired} block(s) expired while stopped were removed, {restored} active block(s) restored");
        }
        catch (Exception e) { _log.Error(ActiveResponseService.Component, $"restoring active response state failed: {e.Message}"); }
        _worker = new Thread(Run) { IsBackground = true, Name = "hids-active-response" };
        _worker.Start();
    }

    public void Write(Alert alert)
    {
        if (_disposed) return;
        Interlocked.Increment(ref _pending);
        if (!_queue.TryAdd(alert))
        {
            Interlocked.Decrement(ref _pending);
            _log.Error(ActiveResponseService.Component, $"active response queue full; alert {alert.AlertId} (rule {alert.RuleId}) not acted on");
        }
    }

    /// <summary>Nothing to persist: every block is recorded in the state store as it is made. Never blocks the caller.</summary>
    public void Flush() { }

    /// <summary>Waits (up to <paramref name="timeout"/>, default 10 s) until every queued alert has been acted on.</summary>
    public bool WaitIdle(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (Volatile.Read(ref _pending) > 0 && DateTime.UtcNow < deadline && _worker is { IsAlive: true })
            Thread.Sleep(5);
        return Volatile.Read(ref _pending) == 0;
    }

    /// <summary>Counters for Get-HidsStatus (plain properties).</summary>
    public ActiveResponderStatus Status => new()
    {
        Responses = Settings.Responses.Count(r => !r.Disabled),
        Disabled = Settings.Disabled,
        Queued = Math.Max(0, Volatile.Read(ref _pending)),
        Blocked = Volatile.Read(ref _blocked), Rejected = Volatile.Read(ref _rejected), Protected = Volatile.Read(ref _protected),
        Failed = Volatile.Read(ref _failed),
        Firewall = Settings.FirewallBackend, HostsDenyPath = Settings.HostsDenyPath, NftTable = "inet " + Settings.NftTable,
    };
    private int _blocked, _rejected, _protected, _failed;

    /// <summary>Acts on one alert now, on the caller's thread (the worker uses it; tests may too).</summary>
    public IReadOnlyList<BlockOutcome> Respond(Alert alert)
    {
        var results = new List<BlockOutcome>();
        // Never respond to active response's own alerts (rules 600-602): that would loop.
        if (Settings.Disabled || alert.Location == ActiveResponseService.EventLocation || alert.Groups.Contains("active_response")) return results;
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in Settings.Responses)
        {
            if (r.Disabled || !Applies(r, alert) || !done.Add(r.Command)) continue;
            if (!Settings.Commands.TryGetValue(r.Command, out var cmd)) continue;
            if (cmd.ExpectSrcIp && string.IsNullOrEmpty(alert.SrcIp) || cmd.ExpectUser && !cmd.ExpectSrcIp && string.IsNullOrEmpty(alert.User))
            {
                _log.Debug(ActiveResponseService.Component, $"rule {alert.RuleId}: {r.Command} needs a {(cmd.ExpectSrcIp ? "srcip" : "user")} and the alert has none");
                continue;
            }
            var reason = string.IsNullOrEmpty(alert.Description) ? $"rule {alert.RuleId}" : $"rule {alert.RuleId}: {alert.Description}";
            var outcome = _service.Block(alert.SrcIp, alert.User, r.Command, r.Timeout, r.RepeatedOffenders,
                new ResponseContext(alert, alert.RuleId, alert.AlertId, reason), "rule");
            switch (outcome.Status)
            {
                case BlockStatus.Blocked: Interlocked.Increment(ref _blocked); break;
                case BlockStatus.Invalid: Interlocked.Increment(ref _rejected); break;
                case BlockStatus.Protected: Interlocked.Increment(ref _protected); break;
                case BlockStatus.Failed or BlockStatus.UnknownCommand: Interlocked.Increment(ref _failed); break;
            }
            results.Add(outcome);
        }
        return results;
    }

    /// <summary>OSSEC's matching: any configured criterion that holds makes the entry apply.</summary>
    public static bool Applies(ActiveResponseOptions r, Alert alert)
    {
        if (r.Level is { } level && alert.Level >= level) return true;
        if (r.RulesId.Contains(alert.RuleId)) return true;
        foreach (var g in r.RulesGroup.SelectMany(x => x.Split(new[] { ',', '|', ' ' }, StringSplitOptions.RemoveEmptyEntries)))
            if (alert.Groups.Any(ag => string.Equals(ag.Trim().TrimEnd(','), g.Trim(), StringComparison.Ordinal))) return true;
        return false;
    }

    private void Run()
    {
        var nextExpiry = DateTime.UtcNow;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var wait = nextExpiry - DateTime.UtcNow;
                if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
                Alert? alert = null;
                try { _queue.TryTake(out alert, (int)wait.TotalMilliseconds, _stop.Token); }
                catch (OperationCanceledException) { break; }
                if (alert is not null)
                {
                    try { Respond(alert); }
                    finally { Interlocked.Decrement(ref _pending); }
                }
                if (DateTime.UtcNow >= nextExpiry)
                {
                    _service.ProcessExpired();
                    nextExpiry = DateTime.UtcNow + ExpiryPollInterval;
                }
            }
            catch (Exception e)
            {
                // One bad alert or a transient SQLite/IO error must not stop active response.
                _log.Error(ActiveResponseService.Component, $"active response error: {e.GetType().Name}: {e.Message}");
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>Stops: acts on alerts still queued (up to 5 s), then ends the worker. Active blocks stay in place.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_worker is { IsAlive: true }) WaitIdle(TimeSpan.FromSeconds(5));
        _stop.Cancel();
        _worker?.Join(TimeSpan.FromSeconds(10));
        _service.Dispose();
        _queue.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The responder's health for the monitor's status file.</summary>
public sealed class ActiveResponderStatus
{
    public int Responses { get; set; }
    public bool Disabled { get; set; }
    public int Queued { get; set; }
    public int Blocked { get; set; }
    public int Rejected { get; set; }
    public int Protected { get; set; }
    public int Failed { get; set; }
    public string Firewall { get; set; } = "";
    public string HostsDenyPath { get; set; } = "";
    public string NftTable { get; set; } = "";
}
