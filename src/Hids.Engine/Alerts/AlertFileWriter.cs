using System.Text;

namespace Hids.Engine.Alerts;

/// <summary>
/// Appends alerts to logs/alerts/alerts.log (OSSEC text format) and logs/alerts/alerts.json (one JSON object per
/// line). Each entry is written with one write call and flushed to the OS, so a tailing reader (Filebeat, Fluent Bit,
/// rsyslog imfile) never sees half an entry. When the file is moved away (logrotate), it is reopened.
/// </summary>
public sealed class AlertFileWriter : IDisposable
{
    private readonly object _gate = new();
    private readonly AppendFile? _log;
    private readonly AppendFile? _json;

    public AlertFileWriter(string? alertsLogPath, string? alertsJsonPath)
    {
        if (alertsLogPath is not null) _log = new AppendFile(alertsLogPath);
        if (alertsJsonPath is not null) _json = new AppendFile(alertsJsonPath);
    }

    public void Write(Alert alert, bool mailed)
    {
        lock (_gate)
        {
            _log?.Append(Encoding.UTF8.GetBytes(AlertText.AlertsLogEntry(alert, mailed)));
            if (_json is not null)
            {
                var bytes = AlertJson.SerializeToUtf8(alert);
                var line = new byte[bytes.Length + 1];
                bytes.CopyTo(line, 0);
                line[^1] = (byte)'\n';
                _json.Append(line);
            }
        }
    }

    /// <summary>fsync both files.</summary>
    public void Flush()
    {
        lock (_gate) { _log?.Sync(); _json?.Sync(); }
    }

    public void Dispose()
    {
        lock (_gate) { _log?.Dispose(); _json?.Dispose(); }
    }

    private sealed class AppendFile : IDisposable
    {
        private readonly string _path;
        private FileStream? _fs;
        private int _writes;

        public AppendFile(string path)
        {
            _path = path;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }

        public void Append(byte[] data)
        {
            // Every 64 writes, check the file is still ours (rotated or deleted by someone else → reopen).
            if (_fs is not null && (++_writes & 63) == 0 && !File.Exists(_path)) { _fs.Dispose(); _fs = null; }
            _fs ??= new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            _fs.Write(data);
            _fs.Flush();
        }

        public void Sync()
        {
            if (_fs is null) return;
            _fs.Flush(flushToDisk: true);
            if (!File.Exists(_path)) { _fs.Dispose(); _fs = null; }
        }

        public void Dispose() { _fs?.Dispose(); _fs = null; }
    }
}
