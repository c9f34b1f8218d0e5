using Hids.Engine.ActiveResponse;
using Hids.Engine.Alerts;
using Hids.Engine.Rootcheck;
using Hids.Engine.Syscheck;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

/// <summary>The configuration as the monitor receives it (mirrors the config loader's result).</summary>
public sealed record ConfigurationCheck(HidsConfiguration? Configuration, IReadOnlyList<HidsDiagnostic> Diagnostics, bool HasErrors);

/// <summary>The rule engine as the monitor receives it (mirrors the ruleset loader's result).</summary>
public sealed record AnalyzerCheck(IEventAnalyzer? Analyzer, IReadOnlyList<HidsDiagnostic> Diagnostics, bool HasErrors);

/// <summary>What a part needs to be built: the instance, its configuration, where events go, the operational log.</summary>
public sealed record MonitorContext(InstancePaths Paths, HidsConfiguration Configuration, Action<LogEvent> Emit, IHidsLog Log);

/// <summary>
/// One component hosted by the monitor: an event source (syscheck, rootcheck), an alert sink (the dispatcher), or
/// both (active response: a sink that also emits events). Built by a factory registered in <see cref="MonitorParts"/>.
/// </summary>
public sealed class MonitorPart : IDisposable
{
    public MonitorPart(string name) { Name = name; }
    public string Name { get; }
    /// <summary>Starts the part (sources begin producing events).</summary>
    public Action? Start { get; init; }
    /// <summary>The part's own health object (its Status property); serialized into the status file.</summary>
    public Func<object?>? Status { get; init; }
    /// <summary>Alerts go here (dispatcher, responder).</summary>
    public IAlertSink? Sink { get; init; }
    /// <summary>Disposed when the monitor stops (stops threads, persists state).</summary>
    public IDisposable? Owner { get; init; }
    /// <summary>Sources are stopped before the event channel is drained; sinks after.</summary>
    public bool IsSource { get; init; }
    public void Dispose() => Owner?.Dispose();
}

/// <summary>
/// The seams where the monitor meets the parts other areas provide: how to load and validate the configuration and
/// the ruleset, and a factory per hosted component. <see cref="CreateDefault"/> wires what this build contains; a
/// part whose factory is missing is reported by Get-HidsStatus as not available, never replaced by a stand-in.
/// Tests build their own <see cref="MonitorParts"/>.
/// </summary>
public sealed class MonitorParts
{
    public Func<InstancePaths, ConfigurationCheck>? LoadConfiguration { get; set; }
    public Func<InstancePaths, HidsConfiguration, IHidsLog, AnalyzerCheck>? LoadAnalyzer { get; set; }
    /// <summary>Factories in start order: sources first, then sinks (the dispatcher before the responder).</summary>
    public List<(string Name, Func<MonitorContext, MonitorPart?> Create)> Components { get; } = new();
    /// <summary>Components this build does not have yet (reported in the status).</summary>
    public List<string> Unavailable { get; } = new();

    public static MonitorParts CreateDefault()
    {
        var p = new MonitorParts();
        p.LoadConfiguration = paths =>
        {
            var r = ConfigurationLoader.LoadInstance(paths);
            return new ConfigurationCheck(r.Configuration, r.Diagnostics, r.HasErrors);
        };
        p.LoadAnalyzer = (paths, config, log) =>
        {
            var r = RulesetLoader.LoadInstance(paths, config);
            if (r.HasErrors) return new AnalyzerCheck(null, r.Diagnostics, true);
            var engine = new RuleEngine(r.Ruleset, new RuleEngineOptions
            {
                StateDirectory = Path.Combine(paths.Queue, "analysis"), Log = log, MaxLineLength = config.Hids.MaxLineLength,
            });
            return new AnalyzerCheck(engine, r.Diagnostics, false);
        };
        // Sources first (stopped before the queue is drained), then the sinks: the dispatcher before the responder.
        p.Components.Add(("syscheck", SyscheckMonitorPart.Create));
        p.Components.Add(("rootcheck", ctx =>
        {
            if (ctx.Configuration.Rootcheck.Disabled) return null;
            var r = new RootcheckService(ctx.Paths, ctx.Configuration.Rootcheck, ctx.Emit, ctx.Log);
            return new MonitorPart("rootcheck") { Start = r.Start, Status = () => r.Status, Owner = r, IsSource = true };
        }));
        p.Components.Add(("alerts", ctx =>
        {
            var d = AlertOutputs.Create(ctx.Paths, ctx.Configuration, ctx.Log);
            return new MonitorPart("alerts") { Sink = d, Status = () => d.Status, Owner = d };
        }));
        p.Components.Add(("active-response", ctx =>
        {
            // Expiries are checked every second (block timeouts are minutes); a 250 ms poll costs idle CPU for nothing.
            var r = new ActiveResponder(ctx.Paths, ctx.Configuration, ctx.Emit, ctx.Log) { ExpiryPollInterval = TimeSpan.FromSeconds(1) };
            return new MonitorPart("active-response") { Start = r.Start, Sink = r, Owner = r };
        }));
        return p;
    }

    /// <summary>Loads and validates the configuration, then the ruleset: what the monitor does before it starts and what
    /// Restart-HidsMonitor does before it stops the running monitor.</summary>
    public ValidationResult Validate(InstancePaths paths, IHidsLog? log = null)
    {
        var diags = new List<HidsDiagnostic>();
        if (LoadConfiguration is null)
            return ValidationResult.Fail(new HidsDiagnostic { Severity = DiagnosticSeverity.Error, Code = "HIDS5001", Message = "No configuration loader." });
        var cfg = LoadConfiguration(paths);
        diags.AddRange(cfg.Diagnostics);
        if (cfg.HasErrors || cfg.Configuration is null) return new ValidationResult(null, null, diags, true);
        if (LoadAnalyzer is null)
        {
            diags.Add(new HidsDiagnostic { Severity = DiagnosticSeverity.Warning, Code = "HIDS5002",
                Message = "This build has no rule engine: events are collected but no alert is raised.", Hint = "Build Hids with the Analysis area." });
            return new ValidationResult(cfg.Configuration, null, diags, false);
        }
        var an = LoadAnalyzer(paths, cfg.Configuration, log ?? NullLog.Instance);
        diags.AddRange(an.Diagnostics);
        if (an.HasErrors) { (an.Analyzer as IDisposable)?.Dispose(); return new ValidationResult(cfg.Configuration, null, diags, true); }
        return new ValidationResult(cfg.Configuration, an.Analyzer, diags, false);
    }
}

public sealed record ValidationResult(HidsConfiguration? Configuration, IEventAnalyzer? Analyzer, IReadOnlyList<HidsDiagnostic> Diagnostics, bool HasErrors)
{
    public static ValidationResult Fail(HidsDiagnostic d) => new(null, null, new[] { d }, true);
}
