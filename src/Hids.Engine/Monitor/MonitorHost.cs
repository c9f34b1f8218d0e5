using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Threading.Channels;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

public sealed class MonitorHostOptions
{
    /// <summary>Events waiting for analysis; sources block (lose nothing) when it is full.</summary>
    public int QueueCapacity { get; set; } = 16384;
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(20);
    public bool Foreground { get; set; }
    /// <summary>Write var/run/status.json (off in unit tests that host several monitors in one folder).</summary>
    public bool WriteStatusFile { get; set; } = true;
}

/// <summary>
/// The monitor: every source (log collector, command monitor, syscheck, rootcheck, active response, its own start
/// event) feeds one bounded channel; ONE analysis thread runs the rule engine over it and hands alerts to the sinks
/// (dispatcher, responder). hidsd is a thin process around this class.
/// </summary>
public sealed class MonitorHost : IDisposable
{
    private const string Component = "hids-monitord";
    public const string StartLocation = "ossec-monitord";
    public const string StartMessage = "ossec: Ossec started.";

    private readonly InstancePaths _paths;
    private readonly MonitorHostOptions _options;
    private readonly MonitorParts _parts;
    private readonly IHidsLog _log;
    private readonly Channel<LogEvent> _channel;
    private readonly ConcurrentQueue<LogEvent> _fromAnalysisThread = new();
    private readonly List<MonitorPart> _components = new();
    private readonly List<IAlertSink> _sinks = new();
    private readonly Queue<DateTime> _recentAlerts = new();
    private HidsConfiguration? _config;
    private IEventAnalyzer? _analyzer;
    private LogCollector? _collector;
    private CommandMonitor? _commands;
    private Thread? _analysisThread;
    private Timer? _statusTimer;
    private long _received, _analyzed, _dropped, _alerts;
    private DateTimeOffset? _lastAlert;
    private DateTimeOffset _startedAt;
    private volatile string _state = "Starting";
    private int _stopped;

    public MonitorHost(InstancePaths paths, MonitorParts parts, IHidsLog log, MonitorHostOptions? options = null)
    {
        _paths = paths; _parts = parts; _log = log; _options = options ?? new MonitorHostOptions();
        _channel = Channel.CreateBounded<LogEvent>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public static string Version => typeof(MonitorHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(MonitorHost).Assembly.GetName().Version?.ToString() ?? "0";

    public HidsConfiguration? Configuration => _config;
    public string State => _state;

    /// <summary>Validates configuration and ruleset, then starts every part. On errors nothing is started and the
    /// diagnostics are returned.</summary>
    public ValidationResult Start()
    {
        var v = _parts.Validate(_paths, _log);
        foreach (var d in v.Diagnostics)
            _log.Write(d.Severity == DiagnosticSeverity.Error ? LogLevel.Error : d.Severity == DiagnosticSeverity.Warning ? LogLevel.Warning : LogLevel.Info, Component, d.ToString());
        if (v.HasErrors || v.Configuration is null)
        {
            _log.Error(Component, "Configuration error; the monitor does not start.");
            _state = "Failed";
            return v;
        }
        StartWith(v.Configuration, v.Analyzer);
        return v;
    }

    /// <summary>Starts with an already validated configuration and rule engine (tests; Start after validation).</summary>
    public void StartWith(HidsConfiguration config, IEventAnalyzer? analyzer)
    {
        _config = config; _analyzer = analyzer;
        _startedAt = DateTimeOffset.Now;
        _log.Info(Component, $"Starting Hids {Version} for instance {_paths.Root} (pid {Environment.ProcessId}).");

        var ctx = new MonitorContext(_paths, config, Emit, _log);
        foreach (var (name, create) in _parts.Components)
        {
            try
            {
                var part = create(ctx);
                if (part is null) { _log.Info(Component, $"{name}: disabled in the configuration."); continue; }
                if (part.Sink is not null) lock (_sinks) _sinks.Add(part.Sink);
                _components.Add(part);
            }
            catch (Exception ex) { _log.Error(Component, $"{name} could not be created: {ex.Message}"); }
        }

        // Sinks exist before anything is analysed; the monitor's own start event (rule 502) is analysed first.
        _analysisThread = new Thread(AnalysisLoop) { IsBackground = true, Name = "hids-analysisd" };
        _analysisThread.Start();
        Emit(new LogEvent { Location = StartLocation, FullLog = StartMessage, LogFormat = "syslog", ReceivedAt = DateTimeOffset.Now });

        _collector = new LogCollector(new LogCollectorOptions
        {
            Files = config.LocalFiles, MaxLineLength = config.Hids.MaxLineLength, PollInterval = _options.PollInterval,
            PositionsFile = Path.Combine(_paths.Queue, "logcollector.positions.json"), SaveProcessedPositions = true,
        }, Emit, _log);
        _commands = new CommandMonitor(config.LocalFiles, Emit, _log);

        foreach (var part in _components)
        {
            try { part.Start?.Invoke(); _log.Info(Component, $"Started {part.Name}."); }
            catch (Exception ex) { _log.Error(Component, $"{part.Name} failed to start: {ex.Message}"); }
        }
        _collector.Start();
        _commands.Start();
        foreach (var u in _parts.Unavailable) _log.Info(Component, $"{u}: not part of this build.");
        _state = "Running";
        if (_options.WriteStatusFile)
        {
            WriteStatus();
            _statusTimer = new Timer(_ => WriteStatus(), null, _options.StatusInterval, _options.StatusInterval);
        }
        _log.Info(Component, "Started (ready).");
    }

    /// <summary>Hands an event to the analysis thread. Blocks (back-pressure) while the channel is full, except on the
    /// analysis thread itself (a sink emitting an event), which never waits on its own queue.</summary>
    public void Emit(LogEvent ev)
    {
        Interlocked.Increment(ref _received);
        if (Thread.CurrentThread == _analysisThread) { _fromAnalysisThread.Enqueue(ev); return; }
        if (_channel.Writer.TryWrite(ev)) return;
        try { _channel.Writer.WriteAsync(ev).AsTask().GetAwaiter().GetResult(); }
        catch (ChannelClosedException) { Interlocked.Increment(ref _dropped); }
    }

    private void AnalysisLoop()
    {
        var reader = _channel.Reader;
        Task<bool>? wait = null;
        bool dirty = false;
        while (true)
        {
            while (_fromAnalysisThread.TryDequeue(out var own) || reader.TryRead(out own))
            {
                Analyze(own);
                dirty = true;
            }
            if (dirty) { FlushSinks(); dirty = false; }
            wait ??= reader.WaitToReadAsync().AsTask();
            if (!wait.Wait(TimeSpan.FromSeconds(1)))
                continue;
            bool more = wait.Result;
            wait = null;
            if (!more && _fromAnalysisThread.IsEmpty) break;
        }
        while (_fromAnalysisThread.TryDequeue(out var last)) Analyze(last);
        FlushSinks();
    }

    private void Analyze(LogEvent ev)
    {
        try { AnalyzeAndDispatch(ev); }
        finally
        {
            try { ev.Processed?.Invoke(); } catch (Exception ex) { _log.Error(Component, "Acknowledging an event failed: " + ex.Message); }
        }
    }

    private void AnalyzeAndDispatch(LogEvent ev)
    {
        Interlocked.Increment(ref _analyzed);
        if (_analyzer is null) return;
        Alert? alert;
        try { alert = _analyzer.Analyze(ev); }
        catch (Exception ex) { _log.Error(Component, $"Analysis failed for an event from '{ev.Location}': {ex.Message}"); return; }
        if (alert is null) return;
        Interlocked.Increment(ref _alerts);
        _lastAlert = alert.Time == default ? DateTimeOffset.Now : alert.Time;
        lock (_recentAlerts) _recentAlerts.Enqueue(DateTime.UtcNow);
        IAlertSink[] sinks;
        lock (_sinks) sinks = _sinks.ToArray();
        foreach (var s in sinks)
        {
            try { s.Write(alert); }
            catch (Exception ex) { _log.Error(Component, $"{s.Name} failed to take alert {alert.AlertId} (rule {alert.RuleId}): {ex.Message}"); }
        }
    }

    private void FlushSinks()
    {
        IAlertSink[] sinks;
        lock (_sinks) sinks = _sinks.ToArray();
        foreach (var s in sinks)
        {
            try { s.Flush(); }
            catch (Exception ex) { _log.Error(Component, $"{s.Name} flush failed: {ex.Message}"); }
        }
    }

    public MonitorStatus GetStatus()
    {
        var st = new MonitorStatus
        {
            Running = _state is "Running" or "Stopping", State = _state, Pid = Environment.ProcessId, Instance = _paths.Root, Version = Version,
            StartedAt = _startedAt, UpdatedAt = DateTimeOffset.Now, Uptime = DateTimeOffset.Now - _startedAt, Foreground = _options.Foreground,
            QueueDepth = _channel.Reader.CanCount ? _channel.Reader.Count : 0, QueueCapacity = _options.QueueCapacity,
            EventsReceived = Interlocked.Read(ref _received), EventsAnalyzed = Interlocked.Read(ref _analyzed),
            EventsDropped = Interlocked.Read(ref _dropped), AlertsTotal = Interlocked.Read(ref _alerts), LastAlertAt = _lastAlert,
            ResidentMemoryBytes = MonitorControl.ResidentBytes(Environment.ProcessId),
            ManagedHeapBytes = GC.GetGCMemoryInfo().TotalCommittedBytes,
            Unavailable = _parts.Unavailable.ToList(),
        };
        lock (_recentAlerts)
        {
            var cut = DateTime.UtcNow.AddMinutes(-1);
            while (_recentAlerts.Count > 0 && _recentAlerts.Peek() < cut) _recentAlerts.Dequeue();
            st.AlertsPerMinute = _recentAlerts.Count;
        }
        if (_collector is not null) st.Files = _collector.GetStatus().ToList();
        if (_commands is not null) st.Commands = _commands.GetStatus().ToList();
        if (_analyzer is null) st.Parts.Add(new PartStatus { Name = "analysis", State = "NotAvailable" });
        else st.Parts.Add(Describe("analysis", _analyzer));
        foreach (var part in _components)
        {
            object? s = null;
            try { s = part.Status?.Invoke(); } catch (Exception) { }
            var ps = Describe(part.Name, s);
            st.Parts.Add(ps);
            if (s is Hids.Engine.Syscheck.SyscheckStatus sy)
            {
                st.SyscheckLastScan = sy.LastScanEnd;
                st.RealtimeWatches = sy.WatchesUsed;
                ps.State = sy.ScanRunning ? "Scanning" : "Running";
                continue;
            }
            if (s is AlertOutputStatus ao) { st.MailsQueued = ao.MailsQueued; continue; }
            foreach (var (k, v) in ps.Details)
            {
                if (st.SyscheckLastScan is null && k.Contains("LastScan", StringComparison.OrdinalIgnoreCase) && DateTimeOffset.TryParse(v, out var t)) st.SyscheckLastScan = t;
                if (st.RealtimeWatches is null && k.Contains("Watch", StringComparison.OrdinalIgnoreCase) && int.TryParse(v, out var w)) st.RealtimeWatches = w;
                if (st.MailsQueued is null && k.Contains("Mail", StringComparison.OrdinalIgnoreCase) && k.Contains("Queue", StringComparison.OrdinalIgnoreCase) && int.TryParse(v, out var m)) st.MailsQueued = m;
            }
        }
        return st;
    }

    /// <summary>A part's status object as name/value text: its top-level scalar values, through the source-generated
    /// serializer (no reflection, so this works in the Native AOT hidsd). Types the context does not know give no details.</summary>
    private static PartStatus Describe(string name, object? status)
    {
        var ps = new PartStatus { Name = name, State = "Running" };
        if (status is null || HidsJson.Compact.GetTypeInfo(status.GetType()) is not { } info) return ps;
        JsonElement e;
        try { e = JsonSerializer.SerializeToElement(status, info); } catch (Exception) { return ps; }
        if (e.ValueKind != JsonValueKind.Object) return ps;
        foreach (var p in e.EnumerateObject())
        {
            var text = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Number => p.Value.GetRawText(),
                JsonValueKind.True => "True",
                JsonValueKind.False => "False",
                _ => null,
            };
            if (text is null) continue;
            if (p.Name == "State") ps.State = text; else ps.Details[p.Name] = text;
        }
        return ps;
    }

    private readonly object _statusGate = new();

    private long _analyzedAtLastCheck = -1;
    private DateTime _lastActivity = DateTime.UtcNow;
    private long _committedAfterTrim;

    /// <summary>
    /// After a burst (start-up scans, a storm of events) the GC keeps the heap it grew to; a monitor that then idles for
    /// months should give it back. When nothing was analysed for 30 s and the committed heap grew by more than 4 MB
    /// since the last trim, one aggressive, compacting collection returns the memory to the system.
    /// </summary>
    private void TrimWhenIdle()
    {
        var analyzed = Interlocked.Read(ref _analyzed);
        if (analyzed != _analyzedAtLastCheck) { _analyzedAtLastCheck = analyzed; _lastActivity = DateTime.UtcNow; return; }
        if (DateTime.UtcNow - _lastActivity < TimeSpan.FromSeconds(30)) return;
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        if (committed < _committedAfterTrim + 4 * 1024 * 1024) return;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _committedAfterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;
    }

    public void WriteStatus()
    {
        if (!_options.WriteStatusFile) return;
        try { if (_state == "Running") TrimWhenIdle(); } catch (Exception) { }
        lock (_statusGate)
        {
            try { GetStatus().Write(_paths.StatusFile); }
            catch (Exception ex) { _log.Warn(Component, "Cannot write the status file: " + ex.Message); }
        }
    }

    /// <summary>Graceful stop: sources stopped, the channel drained through the rule engine, alerts flushed, positions
    /// and state persisted. Bounded by <see cref="MonitorHostOptions.StopTimeout"/>.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _state = "Stopping";
        _log.Info(Component, "Stopping: sources first, then the event queue, then the outputs.");
        var deadline = DateTime.UtcNow + _options.StopTimeout;
        _statusTimer?.Dispose();
        WriteStatus();
        _commands?.Stop();
        _collector?.Stop();
        foreach (var part in _components.Where(p => p.IsSource))
            RunBounded(part.Name, part.Dispose, deadline);
        _channel.Writer.TryComplete();
        var left = deadline - DateTime.UtcNow;
        if (_analysisThread is not null && !_analysisThread.Join(left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1)))
            _log.Warn(Component, $"The event queue was not drained in time ({(_channel.Reader.CanCount ? _channel.Reader.Count : -1)} events left).");
        foreach (var part in _components.Where(p => !p.IsSource))
        {
            try { part.Sink?.Flush(); } catch (Exception ex) { _log.Error(Component, $"{part.Name} flush failed: {ex.Message}"); }
            RunBounded(part.Name, part.Dispose, deadline);
        }
        _collector?.SavePositions(); // now that the queue is drained, every read line is processed
        (_analyzer as IDisposable)?.Dispose();
        _state = "Stopped";
        WriteStatus();
        _log.Info(Component, $"Stopped ({Interlocked.Read(ref _analyzed)} events analysed, {Interlocked.Read(ref _alerts)} alerts).");
    }

    private void RunBounded(string name, Action action, DateTime deadline)
    {
        var t = Task.Run(action);
        var left = deadline - DateTime.UtcNow;
        try
        {
            if (!t.Wait(left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)))
                _log.Warn(Component, $"{name} did not stop in time.");
        }
        catch (AggregateException ex) { _log.Error(Component, $"{name} failed to stop: {ex.InnerException?.Message}"); }
    }

    /// <summary>Records a monitor that did not start (or stopped) in the status file.</summary>
    public void WriteStatusStopped(string state)
    {
        _state = state;
        WriteStatus();
    }

    public void Dispose()
    {
        Stop();
        _collector?.Dispose();
    }
}
