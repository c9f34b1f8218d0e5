using System.Collections.Concurrent;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Monitor;

namespace Hids.Engine.Tests.Monitor;

/// <summary>The host's own logic (channel, single analysis thread, drain on stop, sinks). The rule engine and the
/// outputs are other areas' parts; here a recording analyzer and sink stand in for them so the host is tested alone.</summary>
public sealed class MonitorHostTests : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-host");
    public void Dispose() => _dir.Dispose();

    private sealed class RecordingAnalyzer : IEventAnalyzer
    {
        public readonly ConcurrentQueue<LogEvent> Seen = new();
        public int Delay;
        public Thread? Thread;
        public Alert? Analyze(LogEvent ev)
        {
            Thread ??= System.Threading.Thread.CurrentThread;
            Assert.Same(Thread, System.Threading.Thread.CurrentThread); // one analysis thread
            if (Delay > 0) System.Threading.Thread.Sleep(Delay);
            Seen.Enqueue(ev);
            return new Alert { RuleId = ev.Location == MonitorHost.StartLocation ? 502 : 1, Level = 3, FullLog = ev.FullLog, Location = ev.Location };
        }
    }

    private sealed class RecordingSink : IAlertSink
    {
        public readonly ConcurrentQueue<Alert> Alerts = new();
        public int Flushes;
        public Action<Alert>? OnWrite;
        public string Name => "recording";
        public void Write(Alert alert) { Alerts.Enqueue(alert); OnWrite?.Invoke(alert); }
        public void Flush() => Interlocked.Increment(ref Flushes);
    }

    private (MonitorHost host, RecordingAnalyzer an, RecordingSink sink) NewHost(HidsConfiguration cfg, int capacity = 16384, Func<MonitorContext, MonitorPart?>? extra = null)
    {
        var an = new RecordingAnalyzer();
        var sink = new RecordingSink();
        var parts = new MonitorParts
        {
            LoadConfiguration = _ => new ConfigurationCheck(cfg, Array.Empty<HidsDiagnostic>(), false),
            LoadAnalyzer = (_, _, _) => new AnalyzerCheck(an, Array.Empty<HidsDiagnostic>(), false),
        };
        if (extra is not null) parts.Components.Add(("extra", extra));
        parts.Components.Add(("sink", _ => new MonitorPart("recording") { Sink = sink }));
        var host = new MonitorHost(new InstancePaths(_dir.Path), parts, NullLog.Instance,
            new MonitorHostOptions { QueueCapacity = capacity, PollInterval = TimeSpan.FromMilliseconds(100) });
        return (host, an, sink);
    }

    private static void WaitFor(Func<bool> cond, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!cond() && DateTime.UtcNow < until) Thread.Sleep(50);
        Assert.True(cond());
    }

    [Fact]
    public void Start_event_is_analysed_first_and_reaches_the_sinks()
    {
        var (host, an, sink) = NewHost(new HidsConfiguration());
        var v = host.Start();
        Assert.False(v.HasErrors);
        WaitFor(() => !sink.Alerts.IsEmpty);
        Assert.True(an.Seen.TryPeek(out var first));
        Assert.Equal("ossec-monitord", first!.Location);
        Assert.Equal("ossec: Ossec started.", first.FullLog);
        Assert.Equal(502, sink.Alerts.First().RuleId);
        var st = host.GetStatus();
        Assert.Equal("Running", st.State);
        Assert.Equal(1, st.AlertsTotal);
        host.Dispose();
        Assert.Equal("Stopped", host.State);
        Assert.True(File.Exists(new InstancePaths(_dir.Path).StatusFile));
    }

    [Fact]
    public void Configuration_errors_start_nothing()
    {
        var parts = new MonitorParts
        {
            LoadConfiguration = _ => new ConfigurationCheck(null, new[] { new HidsDiagnostic { Severity = DiagnosticSeverity.Error, Code = "HIDS1001", File = "ossec.conf", Line = 3, Column = 5, Message = "bad" } }, true),
        };
        var host = new MonitorHost(new InstancePaths(_dir.Path), parts, NullLog.Instance);
        var v = host.Start();
        Assert.True(v.HasErrors);
        Assert.Equal("Failed", host.State);
        Assert.Contains(v.Diagnostics, d => d.Code == "HIDS1001" && d.Line == 3);
    }

    [Fact]
    public void Stop_drains_every_queued_event_and_flushes()
    {
        Action<LogEvent>? emit = null;
        var (host, an, sink) = NewHost(new HidsConfiguration(), capacity: 64, extra: ctx => { emit = ctx.Emit; return new MonitorPart("source") { IsSource = true }; });
        an.Delay = 1;
        host.Start();
        var producer = Task.Run(() => { for (int i = 0; i < 500; i++) emit!(new LogEvent { Location = "t", FullLog = "e" + i }); });
        producer.Wait(TimeSpan.FromSeconds(60));
        host.Dispose();
        Assert.Equal(501, an.Seen.Count);
        Assert.Equal(501, sink.Alerts.Count);
        Assert.True(sink.Flushes > 0);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => "e" + i), an.Seen.Skip(1).Select(e => e.FullLog)); // order kept
    }

    [Fact]
    public void A_sink_emitting_on_the_analysis_thread_does_not_deadlock()
    {
        Action<LogEvent>? emit = null;
        var (host, an, sink) = NewHost(new HidsConfiguration(), capacity: 1, extra: ctx => { emit = ctx.Emit; return null; });
        int once = 0;
        sink.OnWrite = a => { if (a.RuleId == 502 && Interlocked.Exchange(ref once, 1) == 0) for (int i = 0; i < 10; i++) emit!(new LogEvent { Location = "ar", FullLog = "active-response " + i }); };
        host.Start();
        WaitFor(() => an.Seen.Count == 11);
        host.Dispose();
    }

    [Fact]
    public void Log_files_and_commands_feed_the_analysis_thread()
    {
        var log = _dir.Combine("dpkg.log");
        File.WriteAllText(log, "");
        var cfg = new HidsConfiguration();
        cfg.LocalFiles.Add(new LocalFileOptions { Location = log, LogFormat = "syslog" });
        cfg.LocalFiles.Add(new LocalFileOptions { LogFormat = "full_command", Command = "echo hello", Frequency = 360 });
        var (host, an, _) = NewHost(cfg);
        host.Start();
        WaitFor(() => an.Seen.Any(e => e.Location == "echo hello"));
        WaitFor(() => host.GetStatus().Files.Single().State == "Open");
        File.AppendAllText(log, "2015-01-30 09:19:14 status installed nginx-common:all 1.2.1-2.2+wheezy3\n");
        WaitFor(() => an.Seen.Any(e => e.Location == log));
        var st = host.GetStatus();
        Assert.Single(st.Commands);
        Assert.Equal(1, st.Commands[0].Runs);
        host.Dispose();
        Assert.True(File.Exists(Path.Combine(_dir.Path, "queue", "logcollector.positions.json")));
    }
}
