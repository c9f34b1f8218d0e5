using Microsoft.Data.Sqlite;

namespace Hids.Engine.Core;

/// <summary>
/// How every Hids store opens its SQLite file: no connection pooling (the file is closed when the store is), a busy
/// timeout so a second process (a cmdlet beside the monitor) waits instead of failing, and for writers the WAL journal
/// (readers never block the writer, a crash loses no committed transaction) with synchronous=NORMAL.
/// </summary>
internal static class SqliteFile
{
    public static SqliteConnection OpenWriter(string path, TimeSpan busyTimeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var db = Open(path, SqliteOpenMode.ReadWriteCreate, busyTimeout);
        try
        {
            Exec(db, "PRAGMA journal_mode=WAL;");
            Exec(db, "PRAGMA synchronous=NORMAL;");
            return db;
        }
        catch { db.Dispose(); throw; }
    }

    /// <summary>Opens an existing file read-only (works while another process writes it).</summary>
    public static SqliteConnection OpenReader(string path, TimeSpan busyTimeout)
        => Open(path, SqliteOpenMode.ReadOnly, busyTimeout);

    private static SqliteConnection Open(string path, SqliteOpenMode mode, TimeSpan busyTimeout)
    {
        var seconds = (int)Math.Ceiling(busyTimeout.TotalSeconds);
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = seconds }.ToString());
        try
        {
            db.Open();
            Exec(db, $"PRAGMA busy_timeout={(long)busyTimeout.TotalMilliseconds};");
            return db;
        }
        catch { db.Dispose(); throw; }
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }
}
