using System.Text;
using Hids.Engine.Core;
using Microsoft.Data.Sqlite;

namespace Hids.Engine.Alerts;

/// <summary>What Get-HidsAlert asks the store for. Every filter is optional; all given filters must match.</summary>
public sealed class AlertQuery
{
    public int? MinimumLevel { get; set; }
    public int[]? RuleIds { get; set; }
    public string[]? Groups { get; set; }
    public DateTimeOffset? Since { get; set; }
    public DateTimeOffset? Until { get; set; }
    public string[]? SourceIps { get; set; }
    public string[]? Users { get; set; }
    /// <summary>Syscheck file paths; a trailing '*' matches a prefix (a folder's files).</summary>
    public string[]? Paths { get; set; }
    /// <summary>Words (a phrase) in the description, location or full log; case-insensitive; a trailing '*' makes the last word a prefix.</summary>
    public string? Match { get; set; }
    /// <summary>Only alerts with a store id above this (used by -Follow).</summary>
    public long? AfterId { get; set; }
    /// <summary>The first N matches (oldest first).</summary>
    public int? First { get; set; }
    /// <summary>The last N matches (still returned oldest first).</summary>
    public int? Last { get; set; }
}

/// <summary>
/// The alert store: queue/alerts.db, SQLite in WAL mode. One row per alert with the indexed columns the queries use
/// and the alert's JSON (the alerts.json schema) as its body; a side table for groups; a contentless FTS5 index for
/// -Match. Writers insert in transactions (one per batch); readers open read-only and coexist with the writer.
/// </summary>
public sealed class AlertStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly bool _readOnly;
    private readonly object _gate = new();
    private SqliteCommand? _insAlert, _insGroup, _insFts;

    public string Path { get; }
    public bool HasFullText { get; private set; }

    private AlertStore(string path, SqliteConnection db, bool readOnly)
    {
        Path = path; _db = db; _readOnly = readOnly;
    }

    /// <summary>Opens (creating when needed) the store for writing.</summary>
    public static AlertStore OpenWriter(string path)
    {
        var store = new AlertStore(path, SqliteFile.OpenWriter(path, TimeSpan.FromSeconds(10)), false);
        store.CreateSchema();
        return store;
    }

    /// <summary>Opens an existing store read-only (cmdlets); works while the monitor writes.</summary>
    public static AlertStore OpenReader(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No alert store at '{path}'.", path);
        var store = new AlertStore(path, SqliteFile.OpenReader(path, TimeSpan.FromSeconds(10)), true);
        store.HasFullText = store.Scalar("SELECT count(*) FROM sqlite_master WHERE name='alerts_fts'") > 0;
        return store;
    }

    private void CreateSchema()
    {
        Exec("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS alerts(
              id INTEGER PRIMARY KEY,
              time INTEGER NOT NULL,
              rule_id INTEGER NOT NULL,
              level INTEGER NOT NULL,
              srcip TEXT,
              user TEXT,
              path TEXT,
              location TEXT NOT NULL,
              body TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_alerts_time ON alerts(time);
            CREATE INDEX IF NOT EXISTS ix_alerts_rule ON alerts(rule_id, time);
            CREATE INDEX IF NOT EXISTS ix_alerts_level ON alerts(level, time);
            CREATE INDEX IF NOT EXISTS ix_alerts_srcip ON alerts(srcip, time) WHERE srcip IS NOT NULL;
            CREATE INDEX IF NOT EXISTS ix_alerts_user ON alerts(user COLLATE NOCASE, time) WHERE user IS NOT NULL;
            CREATE INDEX IF NOT EXISTS ix_alerts_path ON alerts(path, time) WHERE path IS NOT NULL;
            CREATE TABLE IF NOT EXISTS alert_groups(grp TEXT NOT NULL COLLATE NOCASE, time INTEGER NOT NULL, alert_id INTEGER NOT NULL, PRIMARY KEY(grp, time, alert_id)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_alert_groups_alert ON alert_groups(alert_id);
            INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '1');
            """);
        try
        {
            Exec("CREATE VIRTUAL TABLE IF NOT EXISTS alerts_fts USING fts5(description, location, full_log, content='', contentless_delete=1, tokenize='unicode61');");
            HasFullText = true;
        }
        catch (SqliteException)
        {
            HasFullText = false; // an SQLite without FTS5: -Match falls back to a scan
        }
    }

    /// <summary>
    /// Stores alerts in one transaction and sets each alert's <see cref="Alert.Id"/> (and AlertId when empty).
    /// When this returns, the alerts are in the WAL: a crash of the process loses none.
    /// </summary>
    public void Add(IReadOnlyList<Alert> alerts)
    {
        if (_readOnly) throw new InvalidOperationException("The alert store was opened read-only.");
        if (alerts.Count == 0) return;
        lock (_gate)
        {
            using var tx = _db.BeginTransaction(deferred: false);
            _insAlert ??= Prepare("INSERT INTO alerts(id, time, rule_id, level, srcip, user, path, location, body) VALUES($id,$t,$r,$l,$s,$u,$p,$loc,$b)",
                "$id", "$t", "$r", "$l", "$s", "$u", "$p", "$loc", "$b");
            _insGroup ??= Prepare("INSERT OR IGNORE INTO alert_groups(grp, time, alert_id) VALUES($g,$t,$id)", "$g", "$t", "$id");
            _insFts ??= HasFullText ? Prepare("INSERT INTO alerts_fts(rowid, description, location, full_log) VALUES($id,$d,$loc,$f)", "$id", "$d", "$loc", "$f") : null;
            _insAlert.Transaction = tx; _insGroup.Transaction = tx;
            if (_insFts is not null) _insFts.Transaction = tx;
            long id;
            using (var max = _db.CreateCommand())
            {
                max.Transaction = tx;
                // ids only grow (AUTOINCREMENT-like): keep the high-water mark in meta so pruning never reuses an id.
                max.CommandText = "SELECT max(coalesce((SELECT max(id) FROM alerts),0), coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key='last_id'),0))";
                id = Convert.ToInt64(max.ExecuteScalar());
            }
            foreach (var a in alerts)
            {
                id++;
                a.Id = id;
                if (string.IsNullOrEmpty(a.AlertId)) a.AlertId = $"{a.Time.ToUnixTimeSeconds()}.{id}";
                var p = _insAlert.Parameters;
                p[0].Value = id;
                p[1].Value = a.Time.ToUnixTimeMilliseconds();
                p[2].Value = a.RuleId;
                p[3].Value = a.Level;
                p[4].Value = (object?)NullIfEmpty(a.SrcIp) ?? DBNull.Value;
                p[5].Value = (object?)NullIfEmpty(a.User ?? a.DstUser) ?? DBNull.Value;
                p[6].Value = (object?)NullIfEmpty(a.Syscheck?.Path) ?? DBNull.Value;
                p[7].Value = a.Location;
                p[8].Value = AlertJson.SerializeCompact(a);
                _insAlert.ExecuteNonQuery();
                foreach (var g in a.Groups)
                {
                    if (string.IsNullOrWhiteSpace(g)) continue;
                    _insGroup.Parameters[0].Value = g.Trim();
                    _insGroup.Parameters[1].Value = p[1].Value;
                    _insGroup.Parameters[2].Value = id;
                    _insGroup.ExecuteNonQuery();
                }
                if (_insFts is not null)
                {
                    _insFts.Parameters[0].Value = id;
                    _insFts.Parameters[1].Value = a.Description;
                    _insFts.Parameters[2].Value = a.Location;
                    _insFts.Parameters[3].Value = MatchText(a);
                    _insFts.ExecuteNonQuery();
                }
            }
            using (var hw = _db.CreateCommand())
            {
                hw.Transaction = tx;
                hw.CommandText = "INSERT INTO meta(key, value) VALUES('last_id', $v) ON CONFLICT(key) DO UPDATE SET value=excluded.value";
                hw.Parameters.AddWithValue("$v", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                hw.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public void Add(Alert alert) => Add(new[] { alert });

    private static string MatchText(Alert a)
    {
        if (string.IsNullOrEmpty(a.PreviousOutput) && a.PreviousEvents.Length == 0) return a.FullLog;
        return AlertText.LogPortion(a);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>Deletes alerts older than the cutoff (in chunks, so the writer never holds the lock for long). Returns the count.</summary>
    public int Prune(DateTimeOffset olderThan, int chunk = 5000)
    {
        if (_readOnly) throw new InvalidOperationException("The alert store was opened read-only.");
        int total = 0;
        var cut = olderThan.ToUnixTimeMilliseconds();
        while (true)
        {
            lock (_gate)
            {
                using var tx = _db.BeginTransaction();
                var ids = new List<long>();
                using (var sel = _db.CreateCommand())
                {
                    sel.Transaction = tx;
                    sel.CommandText = "SELECT id FROM alerts WHERE time < $c LIMIT $n";
                    sel.Parameters.AddWithValue("$c", cut);
                    sel.Parameters.AddWithValue("$n", chunk);
                    using var r = sel.ExecuteReader();
                    while (r.Read()) ids.Add(r.GetInt64(0));
                }
                if (ids.Count == 0) { tx.Commit(); return total; }
                var list = string.Join(",", ids);
                using (var del = _db.CreateCommand())
                {
                    del.Transaction = tx;
                    del.CommandText = $"DELETE FROM alert_groups WHERE alert_id IN ({list}); DELETE FROM alerts WHERE id IN ({list});"
                        + (HasFullText ? $" DELETE FROM alerts_fts WHERE rowid IN ({list});" : "");
                    del.ExecuteNonQuery();
                }
                tx.Commit();
                total += ids.Count;
                if (ids.Count < chunk) return total;
            }
        }
    }

    /// <summary>Number of stored alerts.</summary>
    public long Count() => Scalar("SELECT count(*) FROM alerts");

    /// <summary>The highest store id (0 when empty).</summary>
    public long MaxId() => Scalar("SELECT coalesce(max(id), 0) FROM alerts");

    /// <summary>Runs a query; alerts come back oldest first (by store id).</summary>
    public IEnumerable<Alert> Query(AlertQuery q)
    {
        var results = new List<Alert>();
        bool descending;
        lock (_gate)
        {
            using var cmd = BuildQuery(q, out descending, out var postFilter);
            using var r = cmd.ExecuteReader();
            int limit = q.Last ?? q.First ?? int.MaxValue;
            while (r.Read())
            {
                var a = AlertJson.Deserialize(r.GetFieldValue<byte[]>(1));
                a.Id = r.GetInt64(0);
                if (postFilter is not null && !postFilter(a)) continue;
                if (descending) results.Add(a);
                else { results.Add(a); }
                if (results.Count >= limit) break;
            }
        }
        if (descending) results.Reverse();
        return results;
    }

    /// <summary>The SQL a query runs (for tests and -Debug).</summary>
    public string ExplainQuery(AlertQuery q)
    {
        using var cmd = BuildQuery(q, out _, out _);
        return cmd.CommandText;
    }

    private SqliteCommand BuildQuery(AlertQuery q, out bool descending, out Func<Alert, bool>? postFilter)
    {
        var cmd = _db.CreateCommand();
        var where = new List<string>();
        postFilter = null;
        int n = 0;
        string P(object v) { var name = "$p" + (n++); cmd.Parameters.AddWithValue(name, v); return name; }

        if (q.MinimumLevel is int ml && ml > 0) where.Add($"a.level >= {P(ml)}");
        if (q.RuleIds is { Length: > 0 }) where.Add($"a.rule_id IN ({string.Join(",", q.RuleIds.Select(id => P(id)))})");
        if (q.Since is DateTimeOffset since) where.Add($"a.time >= {P(since.ToUnixTimeMilliseconds())}");
        if (q.Until is DateTimeOffset until) where.Add($"a.time <= {P(until.ToUnixTimeMilliseconds())}");
        if (q.AfterId is long after) where.Add($"a.id > {P(after)}");
        if (q.SourceIps is { Length: > 0 }) where.Add($"a.srcip IN ({string.Join(",", q.SourceIps.Select(s => P(s)))})");
        if (q.Users is { Length: > 0 }) where.Add($"a.user COLLATE NOCASE IN ({string.Join(",", q.Users.Select(s => P(s)))})");
        if (q.Paths is { Length: > 0 })
        {
            var ors = new List<string>();
            foreach (var p in q.Paths)
            {
                if (p.EndsWith('*'))
                {
                    var prefix = p.TrimEnd('*');
                    // Range on the index: prefix <= path < prefix + U+FFFF
                    ors.Add($"(a.path >= {P(prefix)} AND a.path < {P(prefix + "\uffff")})");
                }
                else ors.Add($"a.path = {P(p)}");
            }
            where.Add("(" + string.Join(" OR ", ors) + ")");
        }
        if (q.Groups is { Length: > 0 })
        {
            var names = q.Groups.Select(g => g.Trim().TrimEnd(',')).ToArray();
            // A rare group drives the query (its ids, then sort); a common one is checked per row of whatever index
            // drives (time order, an address, a rule), which stops early with -First/-Last.
            var list = string.Join(",", names.Select(g => P(g)));
            var range = "";
            if (q.Since is DateTimeOffset gs) range += $" AND time >= {P(gs.ToUnixTimeMilliseconds())}";
            if (q.Until is DateTimeOffset gu) range += $" AND time <= {P(gu.ToUnixTimeMilliseconds())}";
            if (GroupRows(names) <= 20000) where.Add($"a.id IN (SELECT alert_id FROM alert_groups WHERE grp IN ({list}){range})");
            else where.Add($"EXISTS (SELECT 1 FROM alert_groups g WHERE g.grp IN ({list}) AND g.time = a.time AND g.alert_id = a.id)");
        }
        if (!string.IsNullOrWhiteSpace(q.Match))
        {
            var fts = HasFullText ? ToFtsQuery(q.Match!) : null;
            var words = Words(q.Match!);
            bool prefix = q.Match!.Trim().EndsWith('*');
            if (fts is not null && words.Count > 1)
            {
                // A phrase costs as much as its most common word; drive the index with the rarest exact word instead
                // and check the phrase on the candidates.
                var exact = prefix ? words.Take(words.Count - 1).ToList() : words;
                var rarest = exact.Select(w => (Word: w, Docs: WordDocs(w, RareWordLimit))).MinBy(x => x.Docs);
                if (rarest.Word is not null && rarest.Docs <= RareWordLimit)
                {
                    fts = "\"" + rarest.Word.Replace("\"", "\"\"") + "\"";
                    postFilter = PhraseFilter(words, prefix);
                }
            }
            if (fts is not null) where.Add($"a.id IN (SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH {P(fts)})");
            else
            {
                var text = q.Match!.Trim().TrimEnd('*');
                where.Add($"instr(lower(a.body), lower({P(text)})) > 0");
            }
        }

        descending = q.Last is not null;
        var sb = new StringBuilder("SELECT a.id, a.body FROM alerts a");
        if (where.Count > 0) sb.Append(" WHERE ").Append(string.Join(" AND ", where));
        // Oldest first by time (then id): the time index gives the order, so -First/-Last stop early.
        sb.Append(descending ? " ORDER BY a.time DESC, a.id DESC" : " ORDER BY a.time, a.id");
        var limit = q.Last ?? q.First;
        if (limit is int l && postFilter is null) sb.Append(" LIMIT ").Append(P(l));
        cmd.CommandText = sb.ToString();
        return cmd;
    }

    private const int RareWordLimit = 10_000;

    /// <summary>How many alerts hold the word, counted up to cap + 1 (so a common word costs little to rule out).</summary>
    private long WordDocs(string word, int cap)
    {
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT count(*) FROM (SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH $q LIMIT $n)";
        c.Parameters.AddWithValue("$q", "\"" + word.Replace("\"", "\"\"") + "\"");
        c.Parameters.AddWithValue("$n", cap + 1);
        return Convert.ToInt64(c.ExecuteScalar());
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var cur = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch) || ch > 127) cur.Append(ch);
            else if (cur.Length > 0) { words.Add(cur.ToString()); cur.Clear(); }
        }
        if (cur.Length > 0) words.Add(cur.ToString());
        return words;
    }

    /// <summary>The words in order, separated only by non-word characters, on word boundaries (what the FTS phrase means).</summary>
    private static Func<Alert, bool> PhraseFilter(List<string> words, bool prefix)
    {
        var pattern = "(?<![\\p{L}\\p{N}])" + string.Join("[^\\p{L}\\p{N}]+", words.Select(System.Text.RegularExpressions.Regex.Escape))
                      + (prefix ? "" : "(?![\\p{L}\\p{N}])");
        var rx = new System.Text.RegularExpressions.Regex(pattern,
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return a => rx.IsMatch(a.Description) || rx.IsMatch(a.Location) || rx.IsMatch(MatchText(a));
    }

    private long GroupRows(string[] names)
    {
        using var c = _db.CreateCommand();
        c.CommandText = $"SELECT count(*) FROM (SELECT 1 FROM alert_groups WHERE grp IN ({string.Join(",", names.Select((_, i) => "$g" + i))}) LIMIT 20001)";
        for (int i = 0; i < names.Length; i++) c.Parameters.AddWithValue("$g" + i, names[i]);
        return Convert.ToInt64(c.ExecuteScalar());
    }

    /// <summary>
    /// Turns user text into an FTS5 phrase: the words in order, case-insensitive; a trailing '*' makes the last word a
    /// prefix. Returns null when the text has no word characters.
    /// </summary>
    internal static string? ToFtsQuery(string text)
    {
        var t = text.Trim();
        bool prefix = t.EndsWith('*');
        var words = new List<string>();
        var cur = new StringBuilder();
        foreach (var ch in t)
        {
            if (char.IsLetterOrDigit(ch) || ch > 127) cur.Append(ch);
            else if (cur.Length > 0) { words.Add(cur.ToString()); cur.Clear(); }
        }
        if (cur.Length > 0) words.Add(cur.ToString());
        if (words.Count == 0) return null;
        var phrase = "\"" + string.Join(" ", words.Select(w => w.Replace("\"", "\"\""))) + "\"";
        return prefix ? phrase + " *" : phrase;
    }

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        var c = _db.CreateCommand();
        c.CommandText = sql;
        foreach (var n in names) c.Parameters.Add(new SqliteParameter { ParameterName = n });
        c.Prepare();
        return c;
    }

    private void Exec(string sql)
    {
        using var c = _db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = sql;
            return Convert.ToInt64(c.ExecuteScalar());
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _insAlert?.Dispose(); _insGroup?.Dispose(); _insFts?.Dispose();
            _db.Dispose();
        }
    }
}
