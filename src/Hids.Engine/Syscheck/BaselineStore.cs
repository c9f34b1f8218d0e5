using System.Text.Json;
using Hids.Engine.Analysis;
using Hids.Engine.Core;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Hids.Engine.Syscheck;

/// <summary>What the baseline holds about one path.</summary>
public sealed class BaselineEntry
{
    public string Path { get; set; } = "";
    public FileKind Kind { get; set; }
    public long Size { get; set; }
    public uint Mode { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public ulong Inode { get; set; }
    public ulong Device { get; set; }
    public long MtimeNs { get; set; }
    public long CtimeNs { get; set; }
    public byte[]? Md5 { get; set; }
    public byte[]? Sha1 { get; set; }
    public byte[]? Sha256 { get; set; }
    public string? LinkTarget { get; set; }
    /// <summary>1 = the file kept changing while it was hashed (the digests may not match one state of it).</summary>
    public int Flags { get; set; }
    internal volatile bool Seen;

    public const int FlagUnstable = 1;

    public static string? Hex(byte[]? b) => b is null ? null : Convert.ToHexStringLower(b);
    public DateTimeOffset Mtime => DateTimeOffset.FromUnixTimeMilliseconds(MtimeNs / 1_000_000);
}

/// <summary>One recorded change of a file (Get-HidsFileHistory, Export-HidsIntegrityReport).</summary>
public sealed class FileChangeRecord
{
    public long Id { get; set; }
    public DateTimeOffset Time { get; set; }
    public string Path { get; set; } = "";
    /// <summary>Added, Modified, Deleted, Accepted (Update-HidsBaseline), Baseline (first scan).</summary>
    public string Change { get; set; } = "";
    public string[] ChangedAttributes { get; set; } = Array.Empty<string>();
    public long? SizeBefore { get; set; }
    public long? SizeAfter { get; set; }
    public string? Sha256Before { get; set; }
    public string? Sha256After { get; set; }
    public string? Md5After { get; set; }
    public string? Sha1After { get; set; }
    /// <summary>Who recorded it: monitor (scan), realtime, Invoke-HidsScan, Update-HidsBaseline.</summary>
    public string Source { get; set; } = "";
    public string? Diff { get; set; }
    public string FullLog { get; set; } = "";
}

/// <summary>A change to apply to the store in the writer's next transaction.</summary>
internal abstract record StoreOp;
internal sealed record UpsertOp(BaselineEntry Entry) : StoreOp;
internal sealed record DeleteOp(string Path) : StoreOp;
internal sealed record HistoryOp(FileChangeRecord Record, LogEvent? Event) : StoreOp;

/// <summary>
/// The baseline: SQLite (WAL) at queue/syscheck.db. Every change is written in a transaction together with its
/// history row and its pending event (the outbox), so a kill -9 at any moment leaves either the old or the new state
/// and no change whose event is lost. One writer at a time: see <see cref="WriterLock"/>.
/// </summary>
public sealed class BaselineStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _db;
    public string FilePath { get; }

    private BaselineStore(string path, SqliteConnection db) { FilePath = path; _db = db; }

    /// <summary>
    /// Opens (creating if needed) the store. A store that fails to open or fails PRAGMA quick_check is moved aside to
    /// syscheck.db.corrupt-&lt;time&gt; and a new one is created; <paramref name="corruption"/> then says what happened.
    /// </summary>
    public static BaselineStore Open(string path, out string? corruption, bool check = true)
    {
        corruption = null;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        try
        {
            var s = OpenRaw(path);
            if (check)
            {
                var qc = s.Scalar("PRAGMA quick_check")?.ToString();
                if (qc != "ok") { s.Dispose(); throw new InvalidDataException("quick_check: " + qc); }
            }
            s.EnsureSchema();
            return s;
        }
        // Only real corruption moves the baseline aside: a busy, full or unopenable database (SQLITE_BUSY, SQLITE_FULL,
        // SQLITE_CANTOPEN, ...) is a transient error that must never cost the baseline, so it propagates instead.
        catch (Exception ex) when (ex is InvalidDataException || ex is SqliteException { SqliteErrorCode: 11 /* CORRUPT */ or 26 /* NOTADB */ })
        {
            SqliteConnection.ClearAllPools();
            var aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddHHmmss}";
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix, overwrite: true);
            corruption = $"Integrity database '{path}' is corrupt ({ex.Message.Trim()}); moved aside to '{aside}' and rebuilt. " +
                         "The next scan builds a new baseline: changes made before it cannot be reported.";
            var s = OpenRaw(path);
            s.EnsureSchema();
            return s;
        }
    }

    private static BaselineStore OpenRaw(string path)
    {
        return new BaselineStore(path, SqliteFile.OpenWriter(path, TimeSpan.FromSeconds(60)));
    }

    private void EnsureSchema()
    {
        Exec("""
            CREATE TABLE IF NOT EXISTS files(
              path TEXT PRIMARY KEY, kind INTEGER NOT NULL, size INTEGER, mode INTEGER, uid INTEGER, gid INTEGER,
              inode INTEGER, dev INTEGER, mtime INTEGER, ctime INTEGER, md5 BLOB, sha1 BLOB, sha256 BLOB, link TEXT,
              flags INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS history(
              id INTEGER PRIMARY KEY, time INTEGER NOT NULL, path TEXT NOT NULL, change TEXT NOT NULL, attrs TEXT,
              size_before INTEGER, size_after INTEGER, sha256_before TEXT, sha256_after TEXT, md5_after TEXT, sha1_after TEXT,
              source TEXT, diff TEXT, full_log TEXT);
            CREATE INDEX IF NOT EXISTS history_path ON history(path, id);
            CREATE INDEX IF NOT EXISTS history_time ON history(time);
            CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY, created INTEGER NOT NULL, event TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS scans(id INTEGER PRIMARY KEY, source TEXT, started INTEGER, ended INTEGER,
              files INTEGER, added INTEGER, changed INTEGER, deleted INTEGER, complete INTEGER);
            """);
        if (GetMeta("schema") is null) SetMeta("schema", SchemaVersion.ToString());
    }

    internal void Exec(string sql)
    {
        using var c = _db.CreateCommand(); c.CommandText = sql; c.ExecuteNonQuery();
    }

    internal object? Scalar(string sql, params (string, object?)[] args)
    {
        using var c = _db.CreateCommand(); c.CommandText = sql;
        foreach (var (n, v) in args) c.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return c.ExecuteScalar();
    }

    public string? GetMeta(string key) => Scalar("SELECT value FROM meta WHERE key=$k", ("$k", key)) as string;
    public void SetMeta(string key, string value)
    {
        using var c = _db.CreateCommand();
        c.CommandText = "INSERT INTO meta(key,value) VALUES($k,$v) ON CONFLICT(key) DO UPDATE SET value=excluded.value";
        c.Parameters.AddWithValue("$k", key); c.Parameters.AddWithValue("$v", value);
        c.ExecuteNonQuery();
    }

    public long Count() => (long)(Scalar("SELECT count(*) FROM files") ?? 0L);

    /// <summary>Whether a complete scan of this root has been recorded (otherwise the next scan is its first baseline).</summary>
    public bool IsRootBaselined(string root) => GetMeta("root:" + root) == "1";

    private static BaselineEntry Read(SqliteDataReader r) => new()
    {
        Path = r.GetString(0), Kind = (FileKind)r.GetInt32(1), Size = r.GetInt64(2), Mode = (uint)r.GetInt64(3),
        Uid = (uint)r.GetInt64(4), Gid = (uint)r.GetInt64(5), Inode = (ulong)r.GetInt64(6), Device = (ulong)r.GetInt64(7),
        MtimeNs = r.GetInt64(8), CtimeNs = r.GetInt64(9),
        Md5 = r.IsDBNull(10) ? null : (byte[])r.GetValue(10), Sha1 = r.IsDBNull(11) ? null : (byte[])r.GetValue(11),
        Sha256 = r.IsDBNull(12) ? null : (byte[])r.GetValue(12), LinkTarget = r.IsDBNull(13) ? null : r.GetString(13),
        Flags = r.GetInt32(14),
    };

    private const string Columns = "path,kind,size,mode,uid,gid,inode,dev,mtime,ctime,md5,sha1,sha256,link,flags";

    /// <summary>
    /// Loads the entries at or below each of <paramref name="scopes"/> (all entries when null). Read through SQLite's
    /// own API: a check of 50,000 files starts with this, and Microsoft.Data.Sqlite's per-value boxing doubled it.
    /// </summary>
    public Dictionary<string, BaselineEntry> Load(IEnumerable<(string Path, bool Subtree)>? scopes = null)
    {
        var d = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        var db = _db.Handle!;
        if (scopes is null)
        {
            using var all = Prepare(db, $"SELECT {Columns} FROM files");
            ReadAll(db, all, d);
            return d;
        }
        // path = s OR path in (s + '/', s + '0'): '0' is the character after '/', so the range is exactly the subtree.
        using var st = Prepare(db, $"SELECT {Columns} FROM files WHERE path=?1 OR (?2 AND path>?3 AND path<?4)");
        foreach (var (s, subtree) in scopes.Distinct())
        {
            var b = s == "/" ? "" : s;
            raw.sqlite3_reset(st);
            Check(db, raw.sqlite3_bind_text(st, 1, s));
            Check(db, raw.sqlite3_bind_int64(st, 2, subtree ? 1 : 0));
            Check(db, raw.sqlite3_bind_text(st, 3, b + "/"));
            Check(db, raw.sqlite3_bind_text(st, 4, b + "0"));
            ReadAll(db, st, d);
        }
        return d;
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var st));
        return st;
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
    }

    private static void ReadAll(sqlite3 db, sqlite3_stmt st, Dictionary<string, BaselineEntry> into)
    {
        int rc;
        while ((rc = raw.sqlite3_step(st)) == raw.SQLITE_ROW)
        {
            var e = new BaselineEntry
            {
                Path = raw.sqlite3_column_text(st, 0).utf8_to_string(), Kind = (FileKind)raw.sqlite3_column_int(st, 1),
                Size = raw.sqlite3_column_int64(st, 2), Mode = (uint)raw.sqlite3_column_int64(st, 3),
                Uid = (uint)raw.sqlite3_column_int64(st, 4), Gid = (uint)raw.sqlite3_column_int64(st, 5),
                Inode = (ulong)raw.sqlite3_column_int64(st, 6), Device = (ulong)raw.sqlite3_column_int64(st, 7),
                MtimeNs = raw.sqlite3_column_int64(st, 8), CtimeNs = raw.sqlite3_column_int64(st, 9),
                Md5 = Blob(st, 10), Sha1 = Blob(st, 11), Sha256 = Blob(st, 12),
                LinkTarget = raw.sqlite3_column_type(st, 13) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(st, 13).utf8_to_string(),
                Flags = raw.sqlite3_column_int(st, 14),
            };
            into[e.Path] = e;
        }
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, db);
    }

    private static byte[]? Blob(sqlite3_stmt st, int i)
        => raw.sqlite3_column_type(st, i) == raw.SQLITE_NULL ? null : raw.sqlite3_column_blob(st, i).ToArray();

    public BaselineEntry? Get(string path)
    {
        using var c = _db.CreateCommand();
        c.CommandText = $"SELECT {Columns} FROM files WHERE path=$p";
        c.Parameters.AddWithValue("$p", path);
        using var r = c.ExecuteReader();
        return r.Read() ? Read(r) : null;
    }

    /// <summary>Applies a batch of operations in one IMMEDIATE transaction; returns the outbox ids it added.</summary>
    internal List<long> Apply(IReadOnlyList<StoreOp> ops)
    {
        var outboxIds = new List<long>();
        if (ops.Count == 0) return outboxIds;
        using var tx = _db.BeginTransaction(deferred: false);
        using var up = new RawUpsert(_db);
        using var del = _db.CreateCommand();
        del.Transaction = tx;
        del.CommandText = "DELETE FROM files WHERE path=$p";
        var delP = del.Parameters.Add("$p", SqliteType.Text);
        using var hist = _db.CreateCommand();
        hist.Transaction = tx;
        hist.CommandText = "INSERT INTO history(time,path,change,attrs,size_before,size_after,sha256_before,sha256_after,md5_after,sha1_after,source,diff,full_log) " +
                           "VALUES($t,$p,$c,$a,$sb,$sa,$hb,$ha,$m,$s1,$src,$d,$fl)";
        using var outbox = _db.CreateCommand();
        outbox.Transaction = tx;
        outbox.CommandText = "INSERT INTO outbox(created,event) VALUES($t,$e) RETURNING id";
        foreach (var op in ops)
        {
            switch (op)
            {
                case UpsertOp u:
                    up.Execute(u.Entry);
                    break;
                case DeleteOp d:
                    delP.Value = d.Path; del.ExecuteNonQuery();
                    break;
                case HistoryOp h:
                    var rec = h.Record;
                    hist.Parameters.Clear();
                    hist.Parameters.AddWithValue("$t", rec.Time.ToUnixTimeMilliseconds());
                    hist.Parameters.AddWithValue("$p", rec.Path);
                    hist.Parameters.AddWithValue("$c", rec.Change);
                    hist.Parameters.AddWithValue("$a", string.Join(",", rec.ChangedAttributes));
                    hist.Parameters.AddWithValue("$sb", (object?)rec.SizeBefore ?? DBNull.Value);
                    hist.Parameters.AddWithValue("$sa", (object?)rec.SizeAfter ?? DBNull.Value);
                    hist.Parameters.AddWithValue("$hb", (object?)rec.Sha256Before ?? DBNull.Value);
                    hist.Parameters.AddWithValue("$ha", (object?)rec.Sha256After ?? DBNull.Value);
                    hist.Parameters.AddWithValue("$m", (object?)rec.Md5After ?? DBNull.Value);
                    hist.Parameters.AddWithValue("$s1", (object?)rec.Sha1After ?? DBNull.Value);
                    hist.Parameters.AddWithValue("$src", rec.Source);
                    hist.Parameters.AddWithValue("$d", (object?)rec.Diff ?? DBNull.Value);
                    hist.Parameters.AddWithValue("$fl", rec.FullLog);
                    hist.ExecuteNonQuery();
                    if (h.Event is not null)
                    {
                        outbox.Parameters.Clear();
                        outbox.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                        outbox.Parameters.AddWithValue("$e", JsonSerializer.Serialize(h.Event, HidsJson.Compact.LogEvent));
                        outboxIds.Add((long)outbox.ExecuteScalar()!);
                    }
                    break;
            }
        }
        tx.Commit();
        return outboxIds;
    }

    /// <summary>
    /// The baseline's hot write (one row per file of a first baseline: 50,000 in a row) as one prepared statement bound
    /// through SQLite's own API: Microsoft.Data.Sqlite's ExecuteNonQuery looks every parameter up by name and boxes every
    /// value, which cost more CPU than SQLite itself. Runs on the connection (and in the transaction) it is given.
    /// </summary>
    private sealed class RawUpsert : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _stmt;
        private byte[] _utf8 = new byte[1024];

        public RawUpsert(SqliteConnection connection)
        {
            _db = connection.Handle!;
            int rc = raw.sqlite3_prepare_v2(_db, $"INSERT OR REPLACE INTO files({Columns}) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)", out _stmt);
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        public void Execute(BaselineEntry e)
        {
            var s = _stmt;
            Check(Text(1, e.Path));
            Check(raw.sqlite3_bind_int64(s, 2, (int)e.Kind));
            Check(raw.sqlite3_bind_int64(s, 3, e.Size));
            Check(raw.sqlite3_bind_int64(s, 4, e.Mode));
            Check(raw.sqlite3_bind_int64(s, 5, e.Uid));
            Check(raw.sqlite3_bind_int64(s, 6, e.Gid));
            Check(raw.sqlite3_bind_int64(s, 7, (long)e.Inode));
            Check(raw.sqlite3_bind_int64(s, 8, (long)e.Device));
            Check(raw.sqlite3_bind_int64(s, 9, e.MtimeNs));
            Check(raw.sqlite3_bind_int64(s, 10, e.CtimeNs));
            Check(Blob(11, e.Md5)); Check(Blob(12, e.Sha1)); Check(Blob(13, e.Sha256));
            Check(e.LinkTarget is null ? raw.sqlite3_bind_null(s, 14) : Text(14, e.LinkTarget));
            Check(raw.sqlite3_bind_int64(s, 15, e.Flags));
            int rc = raw.sqlite3_step(s);
            raw.sqlite3_reset(s);
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
        }

        private int Text(int i, string v)
        {
            int max = System.Text.Encoding.UTF8.GetMaxByteCount(v.Length);
            if (_utf8.Length < max) _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
            int n = System.Text.Encoding.UTF8.GetBytes(v, _utf8);
            return raw.sqlite3_bind_text(_stmt, i, _utf8.AsSpan(0, n)); // SQLITE_TRANSIENT: SQLite copies the bytes
        }

        private int Blob(int i, byte[]? v) => v is null ? raw.sqlite3_bind_null(_stmt, i) : raw.sqlite3_bind_blob(_stmt, i, v);

        private void Check(int rc) { if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db); }

        public void Dispose() => _stmt.Dispose();
    }

    /// <summary>Records that a full scan of these roots completed (their next scans report new files).</summary>
    internal void MarkRootsBaselined(IEnumerable<string> roots)
    {
        using var tx = _db.BeginTransaction(deferred: false);
        foreach (var r in roots)
        {
            using var c = _db.CreateCommand();
            c.Transaction = tx;
            c.CommandText = "INSERT INTO meta(key,value) VALUES($k,'1') ON CONFLICT(key) DO UPDATE SET value='1'";
            c.Parameters.AddWithValue("$k", "root:" + r);
            c.ExecuteNonQuery();
        }
        tx.Commit();
    }

    internal long BeginScan(string source)
    {
        using var c = _db.CreateCommand();
        c.CommandText = "INSERT INTO scans(source,started,complete) VALUES($s,$t,0) RETURNING id";
        c.Parameters.AddWithValue("$s", source); c.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return (long)c.ExecuteScalar()!;
    }

    internal void EndScan(long id, ScanSummary s)
    {
        using var c = _db.CreateCommand();
        c.CommandText = "UPDATE scans SET ended=$e,files=$f,added=$a,changed=$c,deleted=$d,complete=$ok WHERE id=$id";
        c.Parameters.AddWithValue("$e", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        c.Parameters.AddWithValue("$f", s.Files); c.Parameters.AddWithValue("$a", s.Added); c.Parameters.AddWithValue("$c", s.Changed);
        c.Parameters.AddWithValue("$d", s.Deleted); c.Parameters.AddWithValue("$ok", s.Completed ? 1 : 0); c.Parameters.AddWithValue("$id", id);
        c.ExecuteNonQuery();
    }

    /// <summary>(start, end) of the last completed scan, if any.</summary>
    public (DateTimeOffset Start, DateTimeOffset End)? LastCompletedScan()
    {
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT started, ended FROM scans WHERE complete=1 ORDER BY id DESC LIMIT 1";
        using var r = c.ExecuteReader();
        if (!r.Read()) return null;
        return (DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)));
    }

    public List<(long Id, LogEvent Event)> ReadOutbox(int max = 1000)
    {
        var list = new List<(long, LogEvent)>();
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT id, event FROM outbox ORDER BY id LIMIT $n";
        c.Parameters.AddWithValue("$n", max);
        using var r = c.ExecuteReader();
        while (r.Read())
        {
            LogEvent? ev = null;
            try { ev = JsonSerializer.Deserialize(r.GetString(1), HidsJson.Compact.LogEvent); } catch (JsonException) { }
            if (ev is not null) list.Add((r.GetInt64(0), ev));
        }
        return list;
    }

    public long OutboxCount() => (long)(Scalar("SELECT count(*) FROM outbox") ?? 0L);

    public void DeleteOutbox(IEnumerable<long> ids)
    {
        using var tx = _db.BeginTransaction(deferred: false);
        using var c = _db.CreateCommand();
        c.Transaction = tx;
        c.CommandText = "DELETE FROM outbox WHERE id=$id";
        var p = c.Parameters.Add("$id", SqliteType.Integer);
        foreach (var id in ids) { p.Value = id; c.ExecuteNonQuery(); }
        tx.Commit();
    }

    private static FileChangeRecord ReadHistory(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0), Time = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)).ToLocalTime(), Path = r.GetString(2),
        Change = r.GetString(3),
        ChangedAttributes = r.IsDBNull(4) || r.GetString(4).Length == 0 ? Array.Empty<string>() : r.GetString(4).Split(','),
        SizeBefore = r.IsDBNull(5) ? null : r.GetInt64(5), SizeAfter = r.IsDBNull(6) ? null : r.GetInt64(6),
        Sha256Before = r.IsDBNull(7) ? null : r.GetString(7), Sha256After = r.IsDBNull(8) ? null : r.GetString(8),
        Md5After = r.IsDBNull(9) ? null : r.GetString(9), Sha1After = r.IsDBNull(10) ? null : r.GetString(10),
        Source = r.IsDBNull(11) ? "" : r.GetString(11), Diff = r.IsDBNull(12) ? null : r.GetString(12),
        FullLog = r.IsDBNull(13) ? "" : r.GetString(13),
    };

    private const string HistoryColumns = "id,time,path,change,attrs,size_before,size_after,sha256_before,sha256_after,md5_after,sha1_after,source,diff,full_log";

    /// <summary>Recorded changes of one path, or of everything below it when <paramref name="recurse"/>; oldest first.</summary>
    public List<FileChangeRecord> History(string path, bool recurse = false, DateTimeOffset? since = null)
    {
        var list = new List<FileChangeRecord>();
        using var c = _db.CreateCommand();
        c.CommandText = $"SELECT {HistoryColumns} FROM history WHERE (path=$p" + (recurse ? " OR (path>$lo AND path<$hi)" : "") + ") AND time>=$t ORDER BY id";
        c.Parameters.AddWithValue("$p", path);
        var b = path == "/" ? "" : path;
        c.Parameters.AddWithValue("$lo", b + "/"); c.Parameters.AddWithValue("$hi", b + "0");
        c.Parameters.AddWithValue("$t", (since ?? DateTimeOffset.MinValue.AddYears(1970)).ToUnixTimeMilliseconds());
        using var r = c.ExecuteReader();
        while (r.Read()) list.Add(ReadHistory(r));
        return list;
    }

    public List<FileChangeRecord> HistorySince(DateTimeOffset since)
    {
        var list = new List<FileChangeRecord>();
        using var c = _db.CreateCommand();
        c.CommandText = $"SELECT {HistoryColumns} FROM history WHERE time>=$t ORDER BY id";
        c.Parameters.AddWithValue("$t", since.ToUnixTimeMilliseconds());
        using var r = c.ExecuteReader();
        while (r.Read()) list.Add(ReadHistory(r));
        return list;
    }

    public int CountChanges(string path)
        => Convert.ToInt32(Scalar("SELECT count(*) FROM history WHERE path=$p AND change='Modified'", ("$p", path)) ?? 0);

    public void Dispose() => _db.Dispose();
}

/// <summary>
/// The one-writer rule: whoever writes the baseline (the monitor's scans and realtime checks, Invoke-HidsScan,
/// Update-HidsBaseline) holds an exclusive flock on queue/syscheck.lock. The kernel drops it when the process dies.
/// </summary>
public sealed class WriterLock : IDisposable
{
    private readonly FileStream _fs;
    private WriterLock(FileStream fs) => _fs = fs;

    public static string PathFor(InstancePaths paths) => System.IO.Path.Combine(paths.Queue, "syscheck.lock");

    /// <summary>Waits up to <paramref name="timeout"/>; null when another writer still holds it.</summary>
    public static WriterLock? TryAcquire(string path, TimeSpan timeout, CancellationToken ct = default, Action? waiting = null)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var until = DateTime.UtcNow + timeout;
        bool told = false;
        while (true)
        {
            try
            {
                // .NET takes flock(LOCK_EX|LOCK_NB) for FileShare.None on Linux.
                return new WriterLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < until && !ct.IsCancellationRequested)
            {
                if (!told) { waiting?.Invoke(); told = true; }
                Thread.Sleep(20);
            }
            catch (IOException) { return null; }
        }
    }

    public void Dispose() => _fs.Dispose();
}
