using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Monitor;

namespace Hids.Engine.Rootcheck;

/// <summary>
/// Rootcheck: runs the enabled checks now (<see cref="Run(IProgress{RootcheckProgress}?, CancellationToken)"/>) or
/// every &lt;frequency&gt; seconds (<see cref="Start"/>). Every finding becomes a <see cref="LogEvent"/> with location
/// "rootcheck" and decoder "rootcheck" whose text is OSSEC's rootcheck wording, so the rules (510 and friends) decide
/// the alert level. Scans are bracketed by "Starting rootcheck scan." / "Ending rootcheck scan." events, as OSSEC does.
/// </summary>
public sealed class RootcheckService : IDisposable
{
    public const string Component = "rootcheck";
    public const string Location = "rootcheck";
    public const string DecoderName = "rootcheck";
    public const string FilesDatabaseName = "rootkit_files.txt";
    public const string TrojansDatabaseName = "rootkit_trojans.txt";

    private readonly InstancePaths _paths;
    private readonly RootcheckOptions _options;
    private readonly Action<LogEvent> _emit;
    private readonly IHidsLog _log;
    private readonly object _runLock = new();
    private Timer? _timer;
    private CancellationTokenSource? _cts;
    private bool _disposed;

    public RootcheckService(InstancePaths paths, RootcheckOptions options, Action<LogEvent> emit, IHidsLog log)
    {
        _paths = paths ?? throw new ArgumentNullException(nameof(paths));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _emit = emit ?? throw new ArgumentNullException(nameof(emit));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>The process view of the hidden-process check (default: the live /proc; tests inject one).</summary>
    public IProcView? ProcView { get; set; }
    /// <summary>The port view of the hidden-port check (default: live /proc/net and bind tests; tests inject one).</summary>
    public IPortView? PortView { get; set; }
    /// <summary>Delay before the first periodic scan after <see cref="Start"/>.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Problems met while loading the databases during the last run (file:line).</summary>
    public IReadOnlyList<HidsDiagnostic> Diagnostics { get; private set; } = Array.Empty<HidsDiagnostic>();
    /// <summary>The checks the last run performed.</summary>
    public IReadOnlyList<RootcheckCheck> LastChecks { get; private set; } = Array.Empty<RootcheckCheck>();
    /// <summary>Whether a scan is running now.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>Whether the process runs as root (some checks see less otherwise).</summary>
    public static bool RunsAsRoot => RootcheckNative.GetEuid() == 0;

    /// <summary>The root folder the checks look at: options' BasePath, else "/".</summary>
    public string RootPath => string.IsNullOrEmpty(_options.BasePath) ? "/" : Path.GetFullPath(_options.BasePath);

    /// <summary>The checks the configuration enables.</summary>
    public IReadOnlyList<RootcheckCheck> EnabledChecks()
    {
        var list = new List<RootcheckCheck>();
        if (_options.CheckFiles) list.Add(RootcheckCheck.Files);
        if (_options.CheckTrojans) list.Add(RootcheckCheck.Trojans);
        if (_options.CheckDev) list.Add(RootcheckCheck.Dev);
        if (_options.CheckSys) list.Add(RootcheckCheck.Sys);
        if (_options.CheckPids) list.Add(RootcheckCheck.Pids);
        if (_options.CheckPorts) list.Add(RootcheckCheck.Ports);
        if (_options.CheckIf) list.Add(RootcheckCheck.Interfaces);
        return list;
    }

    /// <summary>Starts the periodic scans (every Frequency seconds). Does nothing when rootcheck is disabled.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_options.Disabled)
        {
            _log.Info(Component, "Rootcheck disabled.");
            return;
        }
        if (_timer is not null) return;
        var period = TimeSpan.FromSeconds(Math.Max(60, _options.Frequency));
        _cts = new CancellationTokenSource();
        _timer = new Timer(_ => Tick(), null, InitialDelay, period);
        _log.Info(Component, $"Rootcheck started: every {period.TotalSeconds:0} s, root '{RootPath}'.");
    }

    private void Tick()
    {
        try { Run(null, _cts?.Token ?? default); }
        catch (OperationCanceledException) { }
        catch (Exception e) { _log.Error(Component, $"Rootcheck scan failed: {e.Message}"); }
    }

    /// <summary>Runs the enabled checks now and returns the findings (also emitted as events).</summary>
    public IReadOnlyList<RootcheckFinding> Run(IProgress<RootcheckProgress>? progress = null, CancellationToken ct = default)
        => Run(null, progress, ct);

    /// <summary>Runs the given checks (null = the enabled ones) now and returns the findings (also emitted as events).
    /// A run that is already in progress is not started twice: the second caller waits for it.</summary>
    public IReadOnlyList<RootcheckFinding> Run(IReadOnlyCollection<RootcheckCheck>? checks, IProgress<RootcheckProgress>? progress,
        CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_runLock)
        {
            IsRunning = true;
            try { return RunLocked(checks, progress, ct); }
            finally { IsRunning = false; }
        }
    }

    private IReadOnlyList<RootcheckFinding> RunLocked(IReadOnlyCollection<RootcheckCheck>? checks, IProgress<RootcheckProgress>? progress,
        CancellationToken ct)
    {
        var todo = (checks ?? EnabledChecks()).Distinct().OrderBy(c => c).ToList();
        LastChecks = todo;
        var scanner = new RootcheckScanner(RootPath, _options);
        var diagnostics = new List<HidsDiagnostic>();
        var findings = new List<RootcheckFinding>();
        EmitText("Starting rootcheck scan.");
        _log.Info(Component, $"Starting rootcheck scan ({string.Join(", ", todo)}) of '{scanner.Root}'.");
        var started = DateTimeOffset.Now;

        for (int i = 0; i < todo.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var check = todo[i];
            int index = i;
            void Report(int pct, string? current) => progress?.Report(new RootcheckProgress
            {
                Check = check, CheckIndex = index, CheckCount = todo.Count, PercentComplete = Math.Clamp(pct, 0, 100), Current = current,
            });
            Report(0, null);
            IEnumerable<RootcheckFinding> found;
            switch (check)
            {
                case RootcheckCheck.Files:
                    found = scanner.CheckFiles(LoadFiles(diagnostics), Report, ct);
                    break;
                case RootcheckCheck.Trojans:
                    var sigs = LoadTrojans(diagnostics);
                    try { found = scanner.CheckTrojans(sigs, Report, ct).ToList(); }
                    finally { foreach (var s in sigs) s.Dispose(); }
                    break;
                case RootcheckCheck.Dev:
                    found = scanner.CheckDev(Report, ct);
                    break;
                case RootcheckCheck.Sys:
                    found = scanner.CheckSys(Report, ct);
                    break;
                case RootcheckCheck.Pids:
                    var pv = ProcView ?? (scanner.IsLiveRoot ? new LinuxProcView() : null);
                    if (pv is null) { Skipped(check, "a base path is set and no process view was given"); continue; }
                    found = scanner.CheckPids(pv, Report, ct);
                    break;
                case RootcheckCheck.Ports:
                    var portView = PortView ?? (scanner.IsLiveRoot ? new LinuxPortView() : null);
                    if (portView is null) { Skipped(check, "a base path is set and no port view was given"); continue; }
                    found = scanner.CheckPorts(portView, Report, ct);
                    break;
                case RootcheckCheck.Interfaces:
                    found = scanner.CheckInterfaces(Report, ct);
                    break;
                default:
                    continue;
            }
            foreach (var f in found)
            {
                ct.ThrowIfCancellationRequested();
                if (scanner.IsIgnored(f.Path)) continue;
                findings.Add(f);
                Emit(f);
            }
            Report(100, null);
        }

        Diagnostics = diagnostics;
        foreach (var d in diagnostics) _log.Warn(Component, d.ToString());
        EmitText("Ending rootcheck scan.");
        LastScan = DateTimeOffset.Now;
        LastFindingCount = findings.Count;
        _log.Info(Component, $"Ending rootcheck scan: {findings.Count} finding(s) in {(DateTimeOffset.Now - started).TotalSeconds:0.0} s.");
        return findings;
    }

    private void Skipped(RootcheckCheck check, string why) => _log.Info(Component, $"Rootcheck check {check} skipped: {why}.");

    private void Emit(RootcheckFinding f)
    {
        _log.Debug(Component, f.Message);
        EmitText(f.Message);
    }

    private void EmitText(string text)
    {
        try
        {
            _emit(new LogEvent
            {
                Location = Location, FullLog = text, Log = text, DecoderName = DecoderName, LogFormat = "rootcheck",
                ReceivedAt = DateTimeOffset.Now,
            });
        }
        catch (Exception e) { _log.Error(Component, $"Could not hand a rootcheck event on: {e.Message}"); }
    }

    // ------------------------------------------------------------------ databases

    private List<RootkitFileEntry> LoadFiles(List<HidsDiagnostic> diagnostics)
    {
        string? file = LocateDatabase(_options.RootkitFiles, FilesDatabaseName, diagnostics);
        if (file is null) return new List<RootkitFileEntry>();
        return RootkitDatabases.ParseFiles(File.ReadAllText(file), file, diagnostics);
    }

    private List<TrojanSignature> LoadTrojans(List<HidsDiagnostic> diagnostics)
    {
        string? file = LocateDatabase(_options.RootkitTrojans, TrojansDatabaseName, diagnostics);
        if (file is null) return new List<TrojanSignature>();
        return RootkitDatabases.ParseTrojans(File.ReadAllText(file), file, diagnostics);
    }

    /// <summary>The configured database (absolute, or relative to the instance), else the instance's
    /// rules/rootcheck and etc/shared copies, else the one shipped beside the engine.</summary>
    public string? LocateDatabase(string? configured, string name, List<HidsDiagnostic>? diagnostics = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            string p = Path.IsPathRooted(configured) ? configured : Path.Combine(_paths.Root, configured);
            if (File.Exists(p)) return p;
            diagnostics?.Add(new HidsDiagnostic
            {
                Severity = DiagnosticSeverity.Warning, Code = name == FilesDatabaseName ? "HIDS7020" : "HIDS7021", File = _paths.OssecConf,
                Message = $"rootcheck database '{configured}' not found; using the shipped {name}",
                Hint = "Point <rootkit_files>/<rootkit_trojans> at an existing file, or remove the element to use the shipped one.",
            });
        }
        foreach (var p in new[] { Path.Combine(_paths.RulesDir, "rootcheck", name), Path.Combine(_paths.SharedDir, name) })
            if (File.Exists(p)) return p;
        string? shipped = ShippedDatabase(name);
        if (shipped is not null) return shipped;
        diagnostics?.Add(new HidsDiagnostic
        {
            Severity = DiagnosticSeverity.Warning, Code = "HIDS7022", File = _paths.OssecConf,
            Message = $"no rootcheck database {name} found; that check finds nothing",
            Hint = $"Install the ruleset (rules/rootcheck/{name}) into the instance.",
        });
        return null;
    }

    /// <summary>rules/rootcheck/&lt;name&gt; beside the engine (the packaged module) or above it (a source tree).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000",
        Justification = "An empty Location (the Native AOT hidsd) falls back to the executable's folder.")]
    public static string? ShippedDatabase(string name)
    {
        var loc = typeof(RootcheckService).Assembly.Location;
        var dir = new DirectoryInfo(string.IsNullOrEmpty(loc) ? AppContext.BaseDirectory : Path.GetDirectoryName(loc)!);
        for (int i = 0; dir is not null && i < 8; i++, dir = dir.Parent)
        {
            string p = Path.Combine(dir.FullName, "rules", "rootcheck", name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>When the last scan ended, and how many findings it had (null before the first scan).</summary>
    public DateTimeOffset? LastScan { get; private set; }
    public int? LastFindingCount { get; private set; }

    /// <summary>Health for Get-HidsStatus.</summary>
    public RootcheckStatus Status => new()
    {
        Enabled = !_options.Disabled, Running = IsRunning, LastScan = LastScan, LastFindingCount = LastFindingCount,
        FrequencySeconds = _options.Frequency, Root = RootPath,
    };

    /// <summary>The monitor's factory for this part: <c>parts.Components.Add(("rootcheck", RootcheckService.CreatePart))</c>.</summary>
    public static MonitorPart? CreatePart(MonitorContext ctx)
    {
        var svc = new RootcheckService(ctx.Paths, ctx.Configuration.Rootcheck, ctx.Emit, ctx.Log);
        return new MonitorPart("rootcheck") { Start = svc.Start, Status = () => svc.Status, Owner = svc, IsSource = true };
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cts?.Cancel();
        _timer?.Dispose();
        lock (_runLock) { } // wait for a running scan to notice the cancellation
        _cts?.Dispose();
    }
}

/// <summary>Rootcheck's health, as the monitor's status file shows it.</summary>
public sealed class RootcheckStatus
{
    public bool Enabled { get; init; }
    public bool Running { get; init; }
    public DateTimeOffset? LastScan { get; init; }
    public int? LastFindingCount { get; init; }
    public int FrequencySeconds { get; init; }
    public string Root { get; init; } = "/";
}
