using System.Text;

namespace Hids.Engine.Core;

public enum LogLevel { Debug, Info, Warning, Error, Critical }

/// <summary>The operational log every component writes to (OSSEC's logs/ossec.log).</summary>
public interface IHidsLog
{
    void Write(LogLevel level, string component, string message);
}

public static class HidsLogExtensions
{
    public static void Info(this IHidsLog log, string component, string message) => log.Write(LogLevel.Info, component, message);
    public static void Warn(this IHidsLog log, string component, string message) => log.Write(LogLevel.Warning, component, message);
    public static void Error(this IHidsLog log, string component, string message) => log.Write(LogLevel.Error, component, message);
    public static void Debug(this IHidsLog log, string component, string message) => log.Write(LogLevel.Debug, component, message);
}

/// <summary>Discards everything (tests, one-shot cmdlets that have no instance log).</summary>
public sealed class NullLog : IHidsLog
{
    public static readonly NullLog Instance = new();
    public void Write(LogLevel level, string component, string message) { }
}

/// <summary>
/// logs/ossec.log: "2026/12/04 20:41:07 hids-syscheckd: INFO: message", one line per entry (CR/LF in messages are
/// escaped), size-capped with rotation to ossec.log.1 .. ossec.log.N.
/// </summary>
public sealed class OperationalLog : IHidsLog, IDisposable
{
    private readonly object _gate = new();
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _keep;
    private FileStream? _stream;
    public LogLevel MinimumLevel { get; set; } = LogLevel.Info;
    /// <summary>Also echo entries to stderr (foreground mode).</summary>
    public bool Echo { get; set; }

    public OperationalLog(string path, long maxBytes = 10 * 1024 * 1024, int keep = 5)
    {
        _path = path; _maxBytes = maxBytes; _keep = keep;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    }

    public static string Format(DateTimeOffset time, LogLevel level, string component, string message)
    {
        var lvl = level switch { LogLevel.Warning => "WARN", LogLevel.Critical => "CRITICAL", _ => level.ToString().ToUpperInvariant() };
        var msg = message.Replace("\r", "\\r").Replace("\n", "\\n");
        return $"{time:yyyy'/'MM'/'dd HH':'mm':'ss} {component}: {lvl}: {msg}";
    }

    public void Write(LogLevel level, string component, string message)
    {
        if (level < MinimumLevel) return;
        var line = Format(DateTimeOffset.Now, level, component, message) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            try
            {
                _stream ??= new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                if (_stream.Length + bytes.Length > _maxBytes && _stream.Length > 0) Rotate();
                _stream.Write(bytes);
                _stream.Flush();
            }
            catch (IOException) { /* the log must never take the monitor down */ }
            catch (UnauthorizedAccessException) { }
            if (Echo) Console.Error.Write(line);
        }
    }

    private void Rotate()
    {
        _stream?.Dispose(); _stream = null;
        for (int i = _keep - 1; i >= 1; i--)
        {
            var from = $"{_path}.{i}"; var to = $"{_path}.{i + 1}";
            if (File.Exists(from)) File.Move(from, to, overwrite: true);
        }
        File.Move(_path, _path + ".1", overwrite: true);
        _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    public void Dispose() { lock (_gate) { _stream?.Dispose(); _stream = null; } }
}
