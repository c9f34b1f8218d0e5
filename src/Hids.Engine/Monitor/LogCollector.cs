using System.Text;
using System.Text.Json;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

/// <summary>Options of the log collector (from ossec.conf's &lt;localfile&gt; entries and the Hids extensions).</summary>
public sealed class LogCollectorOptions
{
    public List<LocalFileOptions> Files { get; set; } = new();
    /// <summary>Longest line handed on; longer lines are cut at this many bytes (the rest up to the newline is dropped).</summary>
    public int MaxLineLength { get; set; } = 65536;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Where read positions are kept across restarts (written atomically).</summary>
    public string? PositionsFile { get; set; }
    /// <summary>Save, for each file, the end of the last line whose event was processed (<see cref="LogEvent.Processed"/>)
    /// instead of the end of the last line read. The monitor sets it: a crash loses no queued line.</summary>
    public bool SaveProcessedPositions { get; set; }
}

/// <summary>A tailed file as Get-HidsStatus shows it.</summary>
public sealed class TailedFileStatus
{
    public string Path { get; set; } = "";
    public string LogFormat { get; set; } = "";
    /// <summary>Open, Missing, Symlink (refused), Error.</summary>
    public string State { get; set; } = "";
    public long Inode { get; set; }
    public long Position { get; set; }
    public long Size { get; set; }
    public long LinesRead { get; set; }
    public int Rotations { get; set; }
}

/// <summary>
/// OSSEC's logcollector for &lt;localfile&gt;: tails files by polling (inode + size + position), survives rotation by
/// rename+create (the old file is read to its end first) and by copytruncate (a shrunk file is read from its start),
/// keeps read positions across restarts, picks up files that appear later, cuts overlong lines, and never follows a
/// symbolic link put in place of a monitored file (O_NOFOLLOW).
/// </summary>
public sealed class LogCollector : IDisposable
{
    private const string Component = "hids-logcollector";
    private readonly LogCollectorOptions _options;
    private readonly Action<LogEvent> _emit;
    private readonly IHidsLog _log;
    private readonly List<Tracked> _tracked = new();
    private readonly Dictionary<string, SavedPosition> _saved;
    private readonly object _gate = new();
    private Thread? _thread;
    private readonly ManualResetEventSlim _stop = new(false);
    private bool _positionsDirty;
    private DateTime _lastSave = DateTime.MinValue;
    private bool _firstPoll = true;

    public LogCollector(LogCollectorOptions options, Action<LogEvent> emit, IHidsLog? log = null)
    {
        _options = options;
        _emit = emit;
        _log = log ?? NullLog.Instance;
        _saved = LoadPositions(options.PositionsFile);
        foreach (var f in options.Files)
        {
            if (string.IsNullOrEmpty(f.Location) || !string.IsNullOrEmpty(f.Command)) continue;
            if (f.LogFormat is "command" or "full_command") continue;
            _tracked.Add(new Tracked(f, Path.GetFullPath(f.Location), Reader.For(f.LogFormat, options.MaxLineLength)));
        }
    }

    public int FileCount => _tracked.Count;

    public void Start()
    {
        if (_thread is not null) return;
        foreach (var t in _tracked) _log.Info(Component, $"Analyzing file: '{t.Path}' (log_format {t.Options.LogFormat}).");
        _thread = new Thread(Run) { IsBackground = true, Name = "hids-logcollector" };
        _thread.Start();
    }

    private void Run()
    {
        while (!_stop.IsSet)
        {
            try { PollOnce(); }
            catch (Exception ex) { _log.Error(Component, "Poll failed: " + ex.Message); }
            _stop.Wait(_options.PollInterval);
        }
    }

    /// <summary>One pass over every file: open what appeared, follow rotations, read new lines. Tests call it directly.</summary>
    public void PollOnce()
    {
        lock (_gate)
        {
            bool atStartup = _firstPoll;
            _firstPoll = false;
            foreach (var t in _tracked) Poll(t, atStartup);
            if (_positionsDirty && DateTime.UtcNow - _lastSave > TimeSpan.FromSeconds(5)) SavePositions();
        }
    }

    private void Poll(Tracked t, bool atStartup)
    {
        var info = UnixNative.LStat(t.Path);
        if (t.Stream is not null)
        {
            bool replaced = !info.Exists || info.IsSymlink || info.Inode != t.Inode || info.Device != t.Device;
            if (replaced)
            {
                // Rotation by rename (or removal): what was written to the old file before it moved is read first.
                ReadAvailable(t);
                if (t.Partial.Count > 0 && !t.Skipping) { var last = DecodeLine(t.Partial); t.Partial.Clear(); t.Reader.Line(t, last, this); }
                t.Reader.FlushPending(t, this);
                CloseFile(t);
                t.Rotations++;
                _log.Info(Component, $"File '{t.Path}' was rotated or removed; following the new file.");
                if (info.Exists && !info.IsSymlink) OpenFile(t, fromStart: true);
                else if (info.IsSymlink) RefuseSymlink(t);
                else t.State = "Missing";
            }
            else
            {
                var now = UnixNative.FStat(t.Stream.SafeFileHandle);
                if (now.Size < t.Position)
                {
                    // copytruncate: the file shrank under us; everything in it now is new.
                    _log.Info(Component, $"File '{t.Path}' was truncated; reading it from the start.");
                    t.Reader.FlushPending(t, this);
                    t.Position = 0; t.Partial.Clear(); t.Skipping = false; t.Unterminated = 0;
                    lock (t.AckGate) t.Acked = 0;
                    t.Rotations++;
                }
                ReadAvailable(t);
                t.Reader.FlushIfIdle(t, this);
            }
            return;
        }

        if (!info.Exists) { if (t.State != "Missing") t.State = "Missing"; t.SeenMissing = true; return; }
        if (info.IsSymlink) { RefuseSymlink(t); return; }
        if (!info.IsRegular) { if (t.State != "NotRegular") _log.Warn(Component, $"'{t.Path}' is not a regular file; not read."); t.State = "NotRegular"; return; }

        long? startAt = null;
        if (_saved.TryGetValue(t.Path, out var saved) && saved.Inode == info.Inode)
            startAt = saved.Position <= info.Size ? saved.Position : 0;
        else if (saved is not null)
            startAt = 0; // rotated while we were down: the new file is read whole
        else if (atStartup && !t.SeenMissing && t.Options.OnlyFutureEvents)
            startAt = info.Size; // first sight at startup: only future events, as OSSEC does
        else startAt = 0; // created after the monitor started: all of it is new
        OpenFile(t, fromStart: false, startAt.Value);
        ReadAvailable(t);
    }

    private void RefuseSymlink(Tracked t)
    {
        if (t.State != "Symlink")
            _log.Warn(Component, $"HIDS5010: '{t.Path}' is a symbolic link; it is not followed (a monitored log must be a regular file).");
        t.State = "Symlink";
    }

    private void OpenFile(Tracked t, bool fromStart, long position = 0)
    {
        var fs = UnixNative.OpenNoFollow(t.Path, out int errno);
        if (fs is null)
        {
            // ELOOP (40): the path became a symlink between lstat and open.
            if (errno == 40) RefuseSymlink(t);
            else
            {
                if (t.State != "Error") _log.Warn(Component, $"Cannot open '{t.Path}' (errno {errno}).");
                t.State = "Error";
            }
            return;
        }
        var st = UnixNative.FStat(fs.SafeFileHandle);
        if (!st.IsRegular) { fs.Dispose(); t.State = "NotRegular"; return; }
        t.Stream = fs;
        t.Inode = st.Inode; t.Device = st.Device;
        t.Position = fromStart ? 0 : Math.Min(position, st.Size);
        lock (t.AckGate) t.Acked = t.Position;
        t.Partial.Clear(); t.Skipping = false; t.Unterminated = 0;
        t.State = "Open";
        _positionsDirty = true;
    }

    private void CloseFile(Tracked t)
    {
        t.Stream?.Dispose();
        t.Stream = null;
        t.Partial.Clear(); t.Skipping = false; t.Unterminated = 0;
    }

    private readonly byte[] _buffer = new byte[64 * 1024];

    private void ReadAvailable(Tracked t)
    {
        var fs = t.Stream!;
        fs.Position = t.Position;
        int limit = Math.Max(16, _options.MaxLineLength);
        while (true)
        {
            int n;
            try { n = fs.Read(_buffer, 0, _buffer.Length); }
            catch (IOException ex) { _log.Warn(Component, $"Read error on '{t.Path}': {ex.Message}"); return; }
            if (n <= 0) break;
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (_buffer[i] != (byte)'\n') continue;
                AppendPartial(t, _buffer.AsSpan(start, i - start), limit);
                // position after this newline: the whole line is consumed
                t.Position += i - start + 1;
                t.Unterminated = 0;
                start = i + 1;
                if (t.Skipping) { t.Skipping = false; t.Partial.Clear(); continue; }
                var line = DecodeLine(t.Partial);
                t.Partial.Clear();
                t.Reader.Line(t, line, this);
            }
            if (start < n)
            {
                AppendPartial(t, _buffer.AsSpan(start, n - start), limit);
                t.Position += n - start;
                t.Unterminated += n - start;
            }
            _positionsDirty = true;
        }
    }

    private void AppendPartial(Tracked t, ReadOnlySpan<byte> bytes, int limit)
    {
        if (t.Skipping) return;
        int room = limit - t.Partial.Count;
        if (bytes.Length <= room) { t.Partial.AddRange(bytes); return; }
        // Too long: hand on the first `limit` bytes now, drop the rest up to the newline.
        t.Partial.AddRange(bytes[..Math.Max(0, room)]);
        var line = DecodeLine(t.Partial);
        t.Partial.Clear();
        t.Skipping = true;
        _log.Warn(Component, $"A line in '{t.Path}' is longer than {limit} bytes; it was cut.");
        t.Reader.Line(t, line, this);
    }

    private static string DecodeLine(List<byte> bytes)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        if (span.Length > 0 && span[^1] == (byte)'\r') span = span[..^1];
        return Encoding.UTF8.GetString(span);
    }

    internal void Emit(Tracked t, string message)
    {
        t.LinesRead++;
        if (message.Length == 0) return;
        var ev = new LogEvent { Location = t.Path, FullLog = message, LogFormat = t.Options.LogFormat, ReceivedAt = DateTimeOffset.Now };
        if (_options.SaveProcessedPositions)
        {
            long inode = t.Inode, end = t.CommittedPosition;
            ev.Processed = () => { lock (t.AckGate) if (t.Inode == inode && end > t.Acked) t.Acked = end; };
        }
        _emit(ev);
    }

    public IReadOnlyList<TailedFileStatus> GetStatus()
    {
        lock (_gate)
        {
            return _tracked.Select(t => new TailedFileStatus
            {
                Path = t.Path, LogFormat = t.Options.LogFormat, State = t.State, Inode = t.Inode,
                Position = t.CommittedPosition, Size = t.Stream is null ? 0 : SafeSize(t), LinesRead = t.LinesRead, Rotations = t.Rotations,
            }).ToList();
        }
    }

    private static long SafeSize(Tracked t) { try { return UnixNative.FStat(t.Stream!.SafeFileHandle).Size; } catch { return 0; } }

    // ---- positions ----
    internal sealed class SavedPosition { public string Path { get; set; } = ""; public long Inode { get; set; } public long Position { get; set; } }

    private static Dictionary<string, SavedPosition> LoadPositions(string? file)
    {
        var d = new Dictionary<string, SavedPosition>(StringComparer.Ordinal);
        if (file is null || !File.Exists(file)) return d;
        try
        {
            var list = JsonSerializer.Deserialize(File.ReadAllText(file), HidsJson.Compact.ListSavedPosition) ?? new();
            foreach (var p in list) d[p.Path] = p;
        }
        catch (Exception) { /* a damaged positions file means: start as on first sight */ }
        return d;
    }

    private long SavedPositionOf(Tracked t)
    {
        if (!_options.SaveProcessedPositions) return t.CommittedPosition;
        lock (t.AckGate) return Math.Min(t.Acked, t.CommittedPosition);
    }

    /// <summary>Writes read positions atomically (temp file + rename).</summary>
    public void SavePositions()
    {
        lock (_gate)
        {
            _lastSave = DateTime.UtcNow;
            _positionsDirty = false;
            if (_options.PositionsFile is null) return;
            foreach (var t in _tracked)
                if (t.Stream is not null) _saved[t.Path] = new SavedPosition { Path = t.Path, Inode = t.Inode, Position = SavedPositionOf(t) };
            try
            {
                AtomicFile.Write(_options.PositionsFile, JsonSerializer.Serialize(_saved.Values.ToList(), HidsJson.Compact.ListSavedPosition));
            }
            catch (Exception ex) { _log.Warn(Component, "Cannot save read positions: " + ex.Message); }
        }
    }

    public void Stop()
    {
        _stop.Set();
        _thread?.Join(TimeSpan.FromSeconds(10));
        _thread = null;
        lock (_gate)
        {
            foreach (var t in _tracked) { t.Reader.FlushPending(t, this); }
            SavePositions();
        }
    }

    public void Dispose()
    {
        Stop();
        lock (_gate) foreach (var t in _tracked) CloseFile(t);
    }

    // ---- per-file state ----
    internal sealed class Tracked
    {
        public Tracked(LocalFileOptions o, string path, Reader reader) { Options = o; Path = path; Reader = reader; }
        public LocalFileOptions Options { get; }
        public string Path { get; }
        public Reader Reader { get; }
        public FileStream? Stream;
        public long Inode;
        public ulong Device;
        /// <summary>Bytes consumed so far (including a partial line not yet ended).</summary>
        public long Position;
        /// <summary>Bytes of the current line read so far (no newline yet).</summary>
        public long Unterminated;
        public readonly List<byte> Partial = new();
        public bool Skipping;
        public bool SeenMissing;
        public string State = "Missing";
        public long LinesRead;
        public int Rotations;
        /// <summary>Start of the first line not yet handed on: what a restart resumes from.</summary>
        public long CommittedPosition => Math.Max(0, Position - Unterminated);
        /// <summary>End of the last line whose event the monitor finished with (see LogCollectorOptions.SaveProcessedPositions).</summary>
        public long Acked;
        public readonly object AckGate = new();
    }

    // ---- log formats ----
    internal abstract class Reader
    {
        public abstract void Line(Tracked t, string line, LogCollector c);
        public virtual void FlushPending(Tracked t, LogCollector c) { }
        public virtual void FlushIfIdle(Tracked t, LogCollector c) { }

        public static Reader For(string format, int limit)
        {
            var f = (format ?? "syslog").Trim().ToLowerInvariant();
            if (f.StartsWith("multi-line", StringComparison.Ordinal))
            {
                var n = f.Split(':', 2).Skip(1).Select(s => int.TryParse(s.Trim(), out var v) ? v : 1).FirstOrDefault(1);
                return new MultiLine(Math.Max(1, n), limit);
            }
            return f switch
            {
                "snort-full" => new SnortFull(limit),
                "mysql_log" => new MySql(),
                "postgresql_log" => new Postgres(limit),
                _ => new Single(),
            };
        }
    }

    /// <summary>syslog, apache, snort-fast, squid, iis, ...: one line, one event.</summary>
    private sealed class Single : Reader
    {
        public override void Line(Tracked t, string line, LogCollector c) => c.Emit(t, line);
    }

    /// <summary>Base of formats that join several lines into one event.</summary>
    private abstract class Joining : Reader
    {
        protected readonly StringBuilder Pending = new();
        protected readonly int Limit;
        private bool _idleOnce;
        protected Joining(int limit) { Limit = limit; }
        protected void Append(string s, string sep)
        {
            if (Pending.Length > 0) Pending.Append(sep);
            Pending.Append(s);
            if (Pending.Length > Limit) Pending.Length = Limit;
            _idleOnce = false;
        }
        public override void FlushPending(Tracked t, LogCollector c)
        {
            if (Pending.Length == 0) return;
            var s = Pending.ToString(); Pending.Clear();
            c.Emit(t, s);
        }
        /// <summary>An entry left pending for a whole poll interval with nothing added is complete.</summary>
        public override void FlushIfIdle(Tracked t, LogCollector c)
        {
            if (Pending.Length == 0) return;
            if (_idleOnce) { FlushPending(t, c); _idleOnce = false; } else _idleOnce = true;
        }
    }

    /// <summary>multi-line: N — every N lines are one event (joined with a space).</summary>
    private sealed class MultiLine : Joining
    {
        private readonly int _n; private int _count;
        public MultiLine(int n, int limit) : base(limit) { _n = n; }
        public override void Line(Tracked t, string line, LogCollector c)
        {
            Append(line, " ");
            if (++_count >= _n) { _count = 0; FlushPending(t, c); }
        }
        public override void FlushPending(Tracked t, LogCollector c) { _count = 0; base.FlushPending(t, c); }
    }

    /// <summary>snort-full: an alert block ("[**] ... [**]" then detail lines, ended by an empty line) becomes one event.</summary>
    private sealed class SnortFull : Joining
    {
        public SnortFull(int limit) : base(limit) { }
        public override void Line(Tracked t, string line, LogCollector c)
        {
            if (line.Trim().Length == 0) { FlushPending(t, c); return; }
            if (line.StartsWith("[**]", StringComparison.Ordinal)) FlushPending(t, c);
            Append(line.Trim(), " ");
        }
    }

    /// <summary>
    /// PostgreSQL: an entry starts with its "YYYY-MM-DD HH:MM:SS" timestamp; continuation lines (tab-indented) are
    /// joined to it with a space.
    /// </summary>
    private sealed class Postgres : Joining
    {
        public Postgres(int limit) : base(limit) { }
        public override void Line(Tracked t, string line, LogCollector c)
        {
            bool starts = line.Length >= 19 && char.IsAsciiDigit(line[0]) && line[4] == '-' && line[7] == '-' && line[13] == ':';
            if (starts || Pending.Length == 0) { FlushPending(t, c); Append(line, " "); }
            else Append(line.Trim(), " ");
        }
    }

    /// <summary>
    /// MySQL's general/error log: lines are handed on as "MySQL log: &lt;time&gt; &lt;text&gt;"; a line without its own
    /// "YYMMDD HH:MM:SS" timestamp gets the last one seen (MySQL prints it only when it changes).
    /// </summary>
    private sealed class MySql : Reader
    {
        private string _lastTime = "";
        public override void Line(Tracked t, string line, LogCollector c)
        {
            var s = line;
            if (s.Length >= 15 && char.IsAsciiDigit(s[0]) && s[6] == ' ' && s[9] == ':' && s[12] == ':')
            {
                int cut = s.Length > 15 && s[15] == ' ' ? 16 : 15;
                _lastTime = s[..15].Trim();
                s = s[cut..];
            }
            s = s.TrimStart();
            if (s.Length == 0) return;
            c.Emit(t, _lastTime.Length > 0 ? $"MySQL log: {_lastTime} {s}" : $"MySQL log: {s}");
        }
    }
}
