using System.Diagnostics;
using System.Text;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

/// <summary>A monitored command as Get-HidsStatus shows it.</summary>
public sealed class CommandStatus
{
    public string Command { get; set; } = "";
    public string? Alias { get; set; }
    public string LogFormat { get; set; } = "";
    public int Frequency { get; set; }
    public DateTimeOffset? LastRun { get; set; }
    public int? LastExitCode { get; set; }
    public bool LastTimedOut { get; set; }
    public int Runs { get; set; }
}

/// <summary>
/// OSSEC's command monitoring (&lt;localfile&gt; with log_format command / full_command): runs each configured command
/// through <c>/bin/sh -c</c> every &lt;frequency&gt; seconds and hands its output on as events. The command is the
/// administrator's trusted configuration; no event data is ever put into it. The rule engine's check_diff compares
/// full_command output with the previous run (rule 533).
/// </summary>
public sealed class CommandMonitor : IDisposable
{
    private const string Component = "hids-logcollector";
    private readonly List<Entry> _entries = new();
    private readonly Action<LogEvent> _emit;
    private readonly IHidsLog _log;
    private readonly ManualResetEventSlim _stop = new(false);
    private Thread? _thread;

    /// <summary>A command that has not finished after this long is killed (with its children).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>Output kept per run; the rest is cut.</summary>
    public int MaxOutputBytes { get; set; } = 64 * 1024;
    public string Shell { get; set; } = "/bin/sh";

    public CommandMonitor(IEnumerable<LocalFileOptions> files, Action<LogEvent> emit, IHidsLog? log = null)
    {
        _emit = emit;
        _log = log ?? NullLog.Instance;
        foreach (var f in files)
        {
            if (string.IsNullOrWhiteSpace(f.Command)) continue;
            var fmt = f.LogFormat is "command" or "full_command" ? f.LogFormat : "full_command";
            _entries.Add(new Entry(f, fmt));
        }
    }

    public int CommandCount => _entries.Count;

    public void Start()
    {
        if (_thread is not null || _entries.Count == 0) return;
        foreach (var e in _entries) _log.Info(Component, $"Monitoring output of command({e.Options.Frequency}): {e.Options.Command}");
        _thread = new Thread(Run) { IsBackground = true, Name = "hids-commands" };
        _thread.Start();
    }

    private void Run()
    {
        while (!_stop.IsSet)
        {
            var now = DateTime.UtcNow;
            foreach (var e in _entries)
            {
                if (_stop.IsSet) break;
                if (now < e.NextRun) continue;
                e.NextRun = now + TimeSpan.FromSeconds(Math.Max(1, e.Options.Frequency));
                try { RunOnce(e); }
                catch (Exception ex) { _log.Error(Component, $"Command '{e.Options.Command}' failed: {ex.Message}"); }
            }
            var next = _entries.Min(e => e.NextRun) - DateTime.UtcNow;
            _stop.Wait(next < TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : next > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : next);
        }
    }

    /// <summary>Runs every command once now (tests, and the first run at start).</summary>
    public void RunAllOnce() { foreach (var e in _entries) RunOnce(e); }

    private void RunOnce(Entry e)
    {
        var output = Execute(e.Options.Command!, out int? exit, out bool timedOut);
        e.Runs++; e.LastRun = DateTimeOffset.Now; e.LastExit = exit; e.LastTimedOut = timedOut;
        if (timedOut) _log.Warn(Component, $"Command '{e.Options.Command}' did not finish within {Timeout.TotalSeconds:0} s; killed.");
        var key = e.Options.Alias ?? e.Options.Command!;
        if (e.Format == "full_command")
        {
            var text = output.TrimEnd('\n', '\r');
            if (text.Length == 0 && timedOut) return;
            Emit(key, $"ossec: output: '{key}':\n{text}", e.Format);
        }
        else
        {
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (line.Length == 0) continue;
                Emit(key, $"ossec: output: '{key}': {line}", e.Format);
            }
        }
    }

    private void Emit(string location, string message, string format)
        => _emit(new LogEvent { Location = location, FullLog = message, LogFormat = format, ReceivedAt = DateTimeOffset.Now });

    /// <summary>Runs one command line through the shell and returns its standard output (cut at MaxOutputBytes).</summary>
    public string Execute(string command, out int? exitCode, out bool timedOut)
    {
        var psi = new ProcessStartInfo(Shell)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        psi.Environment["LC_ALL"] = "C";
        using var p = Process.Start(psi)!;
        _current = p;
        if (_stop.IsSet) { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }
        p.StandardInput.Close();
        var sb = new StringBuilder();
        var errTask = p.StandardError.ReadToEndAsync();
        var outTask = Task.Run(() =>
        {
            var buf = new char[8192];
            int n;
            while ((n = p.StandardOutput.Read(buf, 0, buf.Length)) > 0)
                lock (sb) { if (sb.Length < MaxOutputBytes) sb.Append(buf, 0, Math.Min(n, MaxOutputBytes - sb.Length)); }
        });
        timedOut = !p.WaitForExit(Timeout);
        if (timedOut)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
        }
        outTask.Wait(TimeSpan.FromSeconds(5));
        if (errTask.Wait(TimeSpan.FromSeconds(1)) && errTask.Result.Length > 0)
            _log.Debug(Component, $"Command '{command}' wrote to stderr: {errTask.Result.Trim()}");
        exitCode = p.HasExited ? p.ExitCode : null;
        _current = null;
        lock (sb) return sb.ToString();
    }

    public IReadOnlyList<CommandStatus> GetStatus() => _entries.Select(e => new CommandStatus
    {
        Command = e.Options.Command!, Alias = e.Options.Alias, LogFormat = e.Format, Frequency = e.Options.Frequency,
        LastRun = e.LastRun, LastExitCode = e.LastExit, LastTimedOut = e.LastTimedOut, Runs = e.Runs,
    }).ToList();

    private volatile Process? _current;

    public void Stop()
    {
        _stop.Set();
        try { _current?.Kill(entireProcessTree: true); } catch (Exception) { /* already gone */ }
        _thread?.Join(TimeSpan.FromSeconds(10));
        _thread = null;
    }

    public void Dispose() => Stop();

    private sealed class Entry
    {
        public Entry(LocalFileOptions o, string format) { Options = o; Format = format; }
        public LocalFileOptions Options { get; }
        public string Format { get; }
        public DateTime NextRun = DateTime.MinValue;
        public DateTimeOffset? LastRun;
        public int? LastExit;
        public bool LastTimedOut;
        public int Runs;
    }
}
