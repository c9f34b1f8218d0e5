using System.Diagnostics;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;

namespace Hids.Bench;

/// <summary>
/// Alert store: generates N alerts (default 1,000,000) into a temp store, then runs the filtered queries
/// Get-HidsAlert issues and prints their times (median of 5 runs) against a reference full scan of the same table.
/// Target: every filtered query under 100 ms.
/// </summary>
public sealed class AlertsBench : IBench
{
    public string Name => "alerts";
    public string Description => "alert store: insert rate and filtered queries over 1,000,000 alerts (target < 100 ms each)";

    public int Run(string[] args)
    {
        int count = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 1_000_000;
        var keep = args.Length > 1 ? args[1] : null; // a folder to keep the generated store in (for inspection)
        var dir = keep ?? Path.Combine(Path.GetTempPath(), "hids-bench-alerts-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var db = Path.Combine(dir, "alerts.db");
        try
        {
            var t0 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
            var span = TimeSpan.FromDays(30);
            var rnd = new Random(7);
            var sw = Stopwatch.StartNew();
            bool reuse = keep is not null && File.Exists(db);
            if (reuse) { using var existing = AlertStore.OpenWriter(db); count = (int)existing.Count(); Console.WriteLine($"reusing {db} ({count:N0} alerts)"); }
            else using (var store = AlertStore.OpenWriter(db))
            {
                var batch = new List<Alert>(5000);
                for (int i = 0; i < count; i++)
                {
                    batch.Add(Make(i, t0 + TimeSpan.FromTicks(span.Ticks / count * i), rnd));
                    if (batch.Count == 5000) { store.Add(batch); batch.Clear(); }
                    if (i % 100_000 == 0 && i > 0) Console.Error.Write($"\r  generated {i:N0}");
                }
                store.Add(batch);
            }
            Console.Error.WriteLine();
            var insert = sw.Elapsed;
            if (!reuse) Console.WriteLine($"insert: {count:N0} alerts in {insert.TotalSeconds:F1} s = {count / insert.TotalSeconds:N0} alerts/s (batches of 5000, WAL, FTS5); store {new FileInfo(db).Length / 1048576.0:F0} MiB");

            using var reader = AlertStore.OpenReader(db);
            var reference = Median(() => reader.Query(new AlertQuery { Match = "::", First = 1 }).Count()); // no index: a full scan of the bodies
            Console.WriteLine($"reference: full scan of {count:N0} rows (no index) {reference:F1} ms");
            var day = t0 + TimeSpan.FromDays(29);
            var queries = new (string Name, AlertQuery Q)[]
            {
                ("-RuleId 550 -Last 50", new AlertQuery { RuleIds = new[] { 550 }, Last = 50 }),
                ("-MinimumLevel 12 -Last 100", new AlertQuery { MinimumLevel = 12, Last = 100 }),
                ("-SourceIp 10.1.2.3", new AlertQuery { SourceIps = new[] { "10.1.2.3" } }),
                ("-User user77 -Last 100", new AlertQuery { Users = new[] { "user77" }, Last = 100 }),
                ("-Group syscheck -Since <day 29> -First 100", new AlertQuery { Groups = new[] { "syscheck" }, Since = day, First = 100 }),
                ("-Since/-Until (one hour)", new AlertQuery { Since = day, Until = day.AddHours(1) }),
                ("-Path /var/www/site7/page123.php", new AlertQuery { Paths = new[] { "/var/www/site7/page123.php" } }),
                ("-Path '/var/www/site7/*' -Last 100", new AlertQuery { Paths = new[] { "/var/www/site7/*" }, Last = 100 }),
                ("-Match 'failed password for user42' -Last 50", new AlertQuery { Match = "failed password for user42", Last = 50 }),
                ("-Match 'page123.php'", new AlertQuery { Match = "page123.php" }),
                ("-MinimumLevel 10 -Group sshd -SourceIp 10.0.0.9", new AlertQuery { MinimumLevel = 10, Groups = new[] { "sshd" }, SourceIps = new[] { "10.0.0.9" } }),
                ("-Last 100 (no filter)", new AlertQuery { Last = 100 }),
            };
            int failures = 0;
            foreach (var (name, q) in queries)
            {
                int rows = reader.Query(q).Count();
                var ms = Median(() => reader.Query(q).Count());
                var ok = ms < 100;
                if (!ok) failures++;
                Console.WriteLine($"{(ok ? "PASS" : "FAIL")} {name,-52} {rows,6} rows {ms,8:F2} ms  ({ms / reference:P2} of the full scan)");
            }
            // The monitor's path: one alert at a time through the dispatcher (store commit + alerts.log + alerts.json).
            var inst = new Hids.Engine.Core.InstancePaths(Path.Combine(dir, "instance"));
            var cfg = new Hids.Engine.Configuration.HidsConfiguration();
            cfg.Global.AlertRetentionDays = 0;
            const int single = 5000;
            using (var d = AlertOutputs.Create(inst, cfg, Hids.Engine.Core.NullLog.Instance))
            {
                var sw1 = Stopwatch.StartNew();
                for (int i = 0; i < single; i++) d.Write(Make(i, t0.AddSeconds(i), rnd));
                d.Flush();
                Console.WriteLine($"dispatcher: {single:N0} alerts one by one (each committed before Write returns, plus alerts.log/alerts.json) in {sw1.Elapsed.TotalSeconds:F2} s = {single / sw1.Elapsed.TotalSeconds:N0} alerts/s");
            }
            Console.WriteLine(failures == 0 ? "alerts: every filtered query under 100 ms" : $"alerts: {failures} queries over 100 ms");
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            if (keep is null) try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static double Median(Func<int> run)
    {
        var times = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[2];
    }

    private static readonly int[] SshRules = { 5700, 5701, 5702, 5706, 5710, 5711, 5712, 5715, 5716, 5720, 5758 };

    private static Alert Make(int i, DateTimeOffset t, Random rnd)
    {
        if (i % 10 == 0)
        {
            var site = rnd.Next(20); var page = rnd.Next(1000);
            var path = $"/var/www/site{site}/page{page}.php";
            int rule = (i / 10 % 3) switch { 0 => 550, 1 => 553, _ => 554 };
            return new Alert
            {
                Time = t, RuleId = rule, Level = 7, Description = rule == 550 ? "Integrity checksum changed." : rule == 553 ? "File deleted." : "File added to the system.",
                Groups = new[] { "ossec", "syscheck" }, Host = "web1", Location = "syscheck", Decoder = "syscheck_integrity_changed",
                FullLog = $"Integrity checksum changed for: '{path}'\nSize changed from '{rnd.Next(5000)}' to '{rnd.Next(5000)}'\nOld md5sum was: 'd41d8cd98f00b204e9800998ecf8427e'\nNew md5sum is : 'df4f22f84b5ceb2c31cbb391883f2c83'",
                Syscheck = new SyscheckDetails { Path = path, Event = "Modified", Md5Before = "d41d8cd98f00b204e9800998ecf8427e", Md5After = "df4f22f84b5ceb2c31cbb391883f2c83" },
            };
        }
        var ip = $"10.{rnd.Next(4)}.{rnd.Next(40)}.{rnd.Next(40)}";
        var user = "user" + rnd.Next(200);
        return new Alert
        {
            Time = t, RuleId = SshRules[rnd.Next(SshRules.Length)], Level = 2 + rnd.Next(12), Description = "SSHD authentication failed.",
            Groups = new[] { "syslog", "sshd", "authentication_failed" }, Host = "web1", Location = "/var/log/auth.log", Decoder = "sshd",
            SrcIp = ip, User = user, ProgramName = "sshd",
            FullLog = $"Nov  1 00:00:00 web1 sshd[{i}]: Failed password for {user} from {ip} port {rnd.Next(1024, 65535)} ssh2",
        };
    }
}
