using Hids.Engine.Core;
using Microsoft.Data.Sqlite;

namespace Hids.Engine.ActiveResponse;

/// <summary>
/// One active block as Get-HidsBlockedAddress shows it. Plain public properties (ConvertTo-Json, remoting).
/// </summary>
public sealed class BlockedAddress
{
    /// <summary>The blocked address (canonical text), or "user:name" for a user-based custom command.</summary>
    public string Address { get; set; } = "";
    /// <summary>The &lt;command&gt; name: firewall-drop, host-deny or a custom command.</summary>
    public string Command { get; set; } = "";
    public DateTimeOffset Since { get; set; }
    /// <summary>When the block ends; null for a permanent block.</summary>
    public DateTimeOffset? Expires { get; set; }
    /// <summary>The timeout applied to this block in seconds (after repeated-offender escalation); null = permanent.</summary>
    public int? TimeoutSeconds { get; set; }
    /// <summary>The rule whose alert caused the block; null for a manual block.</summary>
    public int? RuleId { get; set; }
    public string? AlertId { get; set; }
    public string Reason { get; set; } = "";
    /// <summary>How many times this address has been blocked by this command within the offence window, this block included.</summary>
    public int Offences { get; set; }
    /// <summary>The backend that applied it: nftables, iptables, iptables+ipset, host-deny, custom.</summary>
    public string Backend { get; set; } = "";
    /// <summary>True when the kernel removes the block at its timeout without the monitor (nft/ipset timeouts).</summary>
    public bool KernelExpiry { get; set; }
    /// <summary>rule (an alert) or manual (Block-HidsAddress).</summary>
    public string Origin { get; set; } = "";
    /// <summary>The instance folder.</summary>
    public string Instance { get; set; } = "";
    /// <summary>True when the block's time is up but no responder has removed it yet (the monitor is not running).</summary>
    public bool Overdue => Expires is { } e && e <= DateTimeOffset.UtcNow;
    /// <summary>Set while the process that recorded the block (write-ahead) is applying it.</summary>
    internal DateTimeOffset? ApplyingSince { get; set; }
}

/// <summary>
/// Active blocks and the offence history in the instance's state store (queue/state.db, tables ar_blocks and
/// ar_offences; WAL journal, every change in a transaction). The monitor and the cmdlets share it.
/// </summary>
public sealed class BlockStateStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly object _gate = new();
    private readonly string _instance;

    public BlockStateStore(string path, string instance = "")
    {
        _instance = instance;
        _db = SqliteFile.OpenWriter(path, TimeSpan.FromSeconds(10));
        Exec(@"CREATE TABLE IF NOT EXISTS ar_blocks(
                 address TEXT NOT NULL, command TEXT NOT NULL,
                 since_ms INTEGER NOT NULL, expires_ms INTEGER NULL, timeout_s INTEGER NULL,
                 rule_id INTEGER NULL, alert_id TEXT NULL, reason TEXT NOT NULL DEFAULT '',
                 offences INTEGER NOT NULL DEFAULT 1, backend TEXT NOT NULL DEFAULT '', kernel_expiry INTEGER NOT NULL DEFAULT 0,
                 origin TEXT NOT NULL DEFAULT 'rule',
                 PRIMARY KEY(address, command));
               CREATE INDEX IF NOT EXISTS ar_blocks_expires ON ar_blocks(expires_ms);
               CREATE TABLE IF NOT EXISTS ar_offences(
                 address TEXT NOT NULL, command TEXT NOT NULL, time_ms INTEGER NOT NULL, timeout_s INTEGER NULL);
               CREATE INDEX IF NOT EXISTS ar_offences_addr ON ar_offences(address, command, time_ms);");
        // applying_ms (added after the first release): set while a process applies the block it has just recorded.
        bool hasApplying;
        using (var c = _db.CreateCommand())
        {
            c.CommandText = "SELECT COUNT(*) FROM pragma_table_info('ar_blocks') WHERE name='applying_ms'";
            hasApplying = Convert.ToInt32(c.ExecuteScalar()) > 0;
        }
        if (!hasApplying) Exec("ALTER TABLE ar_blocks ADD COLUMN applying_ms INTEGER NULL");
    }

    /// <summary>How long a block may stay "being applied" before it counts as left by a process that died mid-apply.</summary>
    public static readonly TimeSpan ApplyGrace = TimeSpan.FromSeconds(60);

    public static BlockStateStore Open(Core.InstancePaths paths) => new(paths.StateStore, paths.Root);

    private void Exec(string sql)
    {
        using var c = _db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Blocks of this address by this command since <paramref name="windowStart"/> (earlier offences).</summary>
    public int CountOffences(string address, string command, DateTimeOffset windowStart)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "SELECT COUNT(*) FROM ar_offences WHERE address=$a AND command=$c AND time_ms>=$t";
            c.Parameters.AddWithValue("$a", address);
            c.Parameters.AddWithValue("$c", command);
            c.Parameters.AddWithValue("$t", Ms(windowStart));
            return Convert.ToInt32(c.ExecuteScalar());
        }
    }

    /// <summary>Records a new block and its offence in one transaction (replacing an older row for the same key).
    /// With <paramref name="applyingSince"/> the row is written ahead of the firewall/hosts.deny change and marked as
    /// being applied: <see cref="Due"/> leaves it alone until <see cref="MarkApplied"/> (or the apply grace passes).</summary>
    public void RecordBlock(BlockedAddress b, DateTimeOffset? applyingSince = null)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            using (var c = _db.CreateCommand())
            {
                c.Transaction = tx;
                c.CommandText = @"INSERT OR REPLACE INTO ar_blocks(address,command,since_ms,expires_ms,timeout_s,rule_id,alert_id,reason,offences,backend,kernel_expiry,origin,applying_ms)
                                  VALUES($a,$c,$s,$e,$to,$r,$al,$re,$o,$b,$k,$or,$ap)";
                c.Parameters.AddWithValue("$ap", applyingSince is { } ap ? Ms(ap) : DBNull.Value);
                c.Parameters.AddWithValue("$a", b.Address);
                c.Parameters.AddWithValue("$c", b.Command);
                c.Parameters.AddWithValue("$s", Ms(b.Since));
                c.Parameters.AddWithValue("$e", b.Expires is { } e ? Ms(e) : DBNull.Value);
                c.Parameters.AddWithValue("$to", (object?)b.TimeoutSeconds ?? DBNull.Value);
                c.Parameters.AddWithValue("$r", (object?)b.RuleId ?? DBNull.Value);
                c.Parameters.AddWithValue("$al", (object?)b.AlertId ?? DBNull.Value);
                c.Parameters.AddWithValue("$re", b.Reason);
                c.Parameters.AddWithValue("$o", b.Offences);
                c.Parameters.AddWithValue("$b", b.Backend);
                c.Parameters.AddWithValue("$k", b.KernelExpiry ? 1 : 0);
                c.Parameters.AddWithValue("$or", b.Origin);
                c.ExecuteNonQuery();
            }
            using (var c = _db.CreateCommand())
            {
                c.Transaction = tx;
                c.CommandText = "INSERT INTO ar_offences(address,command,time_ms,timeout_s) VALUES($a,$c,$t,$to)";
                c.Parameters.AddWithValue("$a", b.Address);
                c.Parameters.AddWithValue("$c", b.Command);
                c.Parameters.AddWithValue("$t", Ms(b.Since));
                c.Parameters.AddWithValue("$to", (object?)b.TimeoutSeconds ?? DBNull.Value);
                c.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    /// <summary>The block recorded ahead is in place: it is an ordinary block from now on.</summary>
    public void MarkApplied(string address, string command, DateTimeOffset since)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "UPDATE ar_blocks SET applying_ms=NULL WHERE address=$a AND command=$c AND since_ms=$s";
            c.Parameters.AddWithValue("$a", address);
            c.Parameters.AddWithValue("$c", command);
            c.Parameters.AddWithValue("$s", Ms(since));
            c.ExecuteNonQuery();
        }
    }

    /// <summary>The block recorded ahead could not be applied: its row and its offence go, in one transaction.</summary>
    public void Abandon(string address, string command, DateTimeOffset since)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            foreach (var sql in new[] { "DELETE FROM ar_blocks WHERE address=$a AND command=$c AND since_ms=$s",
                                        "DELETE FROM ar_offences WHERE address=$a AND command=$c AND time_ms=$s" })
            {
                using var c = _db.CreateCommand();
                c.Transaction = tx;
                c.CommandText = sql;
                c.Parameters.AddWithValue("$a", address);
                c.Parameters.AddWithValue("$c", command);
                c.Parameters.AddWithValue("$s", Ms(since));
                c.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    /// <summary>True while the block is being applied by the process that recorded it (within the apply grace): not to
    /// be touched by anyone else. Older marks are left by a process that died mid-apply.</summary>
    public static bool IsBeingApplied(BlockedAddress b, DateTimeOffset now) => b.ApplyingSince is { } t && t > now - ApplyGrace;

    /// <summary>Removes a block. With <paramref name="since"/>, only that very block (a newer re-block is kept).</summary>
    public bool Remove(string address, string command, DateTimeOffset? since = null)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            using var c = _db.CreateCommand();
            c.Transaction = tx;
            c.CommandText = "DELETE FROM ar_blocks WHERE address=$a AND command=$c" + (since is null ? "" : " AND since_ms=$s");
            c.Parameters.AddWithValue("$a", address);
            c.Parameters.AddWithValue("$c", command);
            if (since is { } s) c.Parameters.AddWithValue("$s", Ms(s));
            var n = c.ExecuteNonQuery();
            tx.Commit();
            return n > 0;
        }
    }

    public BlockedAddress? Get(string address, string command)
        => Query("WHERE address=$a AND command=$c", ("$a", address), ("$c", command)).FirstOrDefault();

    public IReadOnlyList<BlockedAddress> List() => Query("ORDER BY since_ms");

    /// <summary>Blocks whose expiry is at or before <paramref name="now"/>, oldest first; not those another process is
    /// applying right now (lifting one of those before it is in place would leave it in place with no record).</summary>
    public IReadOnlyList<BlockedAddress> Due(DateTimeOffset now)
        => Query("WHERE expires_ms IS NOT NULL AND expires_ms<=$n AND (applying_ms IS NULL OR applying_ms<=$g) ORDER BY expires_ms",
            ("$n", Ms(now)), ("$g", Ms(now - ApplyGrace)));

    /// <summary>Drops offence history older than <paramref name="before"/> (keeps the table small).</summary>
    public void PruneOffences(DateTimeOffset before)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "DELETE FROM ar_offences WHERE time_ms<$t";
            c.Parameters.AddWithValue("$t", Ms(before));
            c.ExecuteNonQuery();
        }
    }

    private IReadOnlyList<BlockedAddress> Query(string where, params (string, object)[] ps)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "SELECT address,command,since_ms,expires_ms,timeout_s,rule_id,alert_id,reason,offences,backend,kernel_expiry,origin,applying_ms FROM ar_blocks " + where;
            foreach (var (n, v) in ps) c.Parameters.AddWithValue(n, v);
            using var r = c.ExecuteReader();
            var list = new List<BlockedAddress>();
            while (r.Read())
            {
                list.Add(new BlockedAddress
                {
                    Address = r.GetString(0),
                    Command = r.GetString(1),
                    Since = FromMs(r.GetInt64(2)),
                    Expires = r.IsDBNull(3) ? null : FromMs(r.GetInt64(3)),
                    TimeoutSeconds = r.IsDBNull(4) ? null : r.GetInt32(4),
                    RuleId = r.IsDBNull(5) ? null : r.GetInt32(5),
                    AlertId = r.IsDBNull(6) ? null : r.GetString(6),
                    Reason = r.GetString(7),
                    Offences = r.GetInt32(8),
                    Backend = r.GetString(9),
                    KernelExpiry = r.GetInt64(10) != 0,
                    Origin = r.GetString(11),
                    Instance = _instance,
                    ApplyingSince = r.IsDBNull(12) ? null : FromMs(r.GetInt64(12)),
                });
            }
            return list;
        }
    }

    public void Dispose()
    {
        lock (_gate) _db.Dispose();
    }
}
