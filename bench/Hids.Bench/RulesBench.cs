using System.Diagnostics;
using System.Globalization;
using Hids.Engine.Analysis;

namespace Hids.Bench;

/// <summary>
/// Rule engine throughput: a seeded 200,000-line synthetic syslog (sshd, sudo, su, dpkg, kernel, cron in realistic
/// proportions) through the OSSEC 3.2.0 ruleset from ../shared, single thread. Prints lines/s, the ratio to a plain
/// pass that only reads and splits the same lines, the ratio to the reference ossec-logtest rate (110,000-128,000
/// lines/s on this machine kind) and the managed memory of the loaded ruleset and engine.
/// usage: Hids.Bench rules [lines=200000] [rounds=3] [ruleset-folder]
/// </summary>
public sealed class RulesBench : IBench
{
    public string Name => "rules";
    public string Description => "rule engine lines/s on 200,000 synthetic syslog lines with the OSSEC 3.2.0 ruleset";

    private const double RefLow = 110_000, RefHigh = 128_000;

    public static string[] Generate(int n, int seed = 42)
    {
        var rnd = new Random(seed);
        string[] users = { "root", "admin", "bob", "alice", "oracle", "test", "ubuntu", "git", "deploy", "www-data" };
        string[] hosts = { "web1", "web2", "db1", "bastion" };
        string[] pkgs = { "nano", "curl", "openssl", "libc6", "nginx", "vim", "git", "python3" };
        string[] cronCmds = { "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)", "(www-data) CMD (php /var/www/cron.php)", "(root) CMD (test -x /usr/sbin/anacron)" };
        var mon = new[] { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        var lines = new string[n];
        for (int i = 0; i < n; i++)
        {
            string ts = $"{mon[rnd.Next(12)]} {rnd.Next(1, 29),2} {rnd.Next(24):00}:{rnd.Next(60):00}:{rnd.Next(60):00}";
            string h = hosts[rnd.Next(hosts.Length)];
            string u = users[rnd.Next(users.Length)];
            string ip = $"{rnd.Next(1, 224)}.{rnd.Next(256)}.{rnd.Next(256)}.{rnd.Next(1, 255)}";
            int pid = rnd.Next(300, 65000);
            int k = rnd.Next(100);
            lines[i] = k switch
            {
                < 12 => $"{ts} {h} sshd[{pid}]: Failed password for {u} from {ip} port {rnd.Next(1024, 65535)} ssh2",
                < 18 => $"{ts} {h} sshd[{pid}]: Invalid user {u}{rnd.Next(100)} from {ip} port {rnd.Next(1024, 65535)}",
                < 26 => $"{ts} {h} sshd[{pid}]: Accepted publickey for {u} from {ip} port {rnd.Next(1024, 65535)} ssh2: RSA SHA256:{rnd.Next():x8}",
                < 31 => $"{ts} {h} sshd[{pid}]: Received disconnect from {ip} port {rnd.Next(1024, 65535)}:11: disconnected by user",
                < 35 => $"{ts} {h} sshd[{pid}]: pam_unix(sshd:session): session opened for user {u} by (uid=0)",
                < 44 => $"{ts} {h} sudo:   {u} : TTY=pts/{rnd.Next(9)} ; PWD=/home/{u} ; USER=root ; COMMAND=/usr/bin/apt update",
                < 46 => $"{ts} {h} sudo: pam_unix(sudo:auth): authentication failure; logname={u} uid=1000 euid=0 tty=/dev/pts/1 ruser={u} rhost=  user={u}",
                < 49 => $"{ts} {h} su[{pid}]: pam_unix(su:session): session opened for user root by {u}(uid=1000)",
                < 56 => $"{DateTime.UnixEpoch.AddDays(16000 + rnd.Next(3000)):yyyy-MM-dd} {rnd.Next(24):00}:{rnd.Next(60):00}:{rnd.Next(60):00} {(rnd.Next(3) == 0 ? "status installed" : "status half-configured")} {pkgs[rnd.Next(pkgs.Length)]}:amd64 1.{rnd.Next(20)}-{rnd.Next(5)}",
                < 64 => $"{ts} {h} kernel: [{rnd.Next(100000)}.{rnd.Next(999999):000000}] IN=eth0 OUT= MAC=00:11:22:33:44:55 SRC={ip} DST=10.0.0.{rnd.Next(1, 254)} LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID={rnd.Next(65535)} PROTO=TCP SPT={rnd.Next(1024, 65535)} DPT={(rnd.Next(2) == 0 ? 22 : 443)} WINDOW=29200 RES=0x00 SYN URGP=0",
                < 68 => $"{ts} {h} kernel: [{rnd.Next(100000)}.{rnd.Next(999999):000000}] usb 1-1: new high-speed USB device number {rnd.Next(9)} using ehci-pci",
                < 70 => $"{ts} {h} kernel: [{rnd.Next(100000)}.{rnd.Next(999999):000000}] {u}[{pid}]: segfault at 0 ip 00007f sp 00007ffd error 4 in libc.so.6",
                < 97 => $"{ts} {h} CRON[{pid}]: {cronCmds[rnd.Next(cronCmds.Length)]}",
                _ => $"{ts} {h} CRON[{pid}]: pam_unix(cron:session): session closed for user {u}",
            };
        }
        return lines;
    }

    public int Run(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        string folder = args.Length > 2 ? args[2] : FindShared();
        var lines = Generate(n);

        long before = GC.GetTotalMemory(true);
        var sw = Stopwatch.StartNew();
        var load = RulesetLoader.LoadFolder(folder);
        var loadMs = sw.Elapsed.TotalMilliseconds;
        if (load.HasErrors) { Console.Error.WriteLine(string.Join("\n", load.Diagnostics)); return 2; }
        using var engine = new RuleEngine(load.Ruleset, new RuleEngineOptions { Hostname = "bench" });
        long after = GC.GetTotalMemory(true);

        // plain pass: read and split the same lines
        double plainBest = 0, plainCpuBest = 0; long sink = 0;
        for (int r = 0; r < rounds + 1; r++)
        {
            var pc0 = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            foreach (var l in lines)
            {
                var parts = l.Split(' ');
                sink += parts.Length;
            }
            var rate = n / sw.Elapsed.TotalSeconds;
            var cpuRate = n / Math.Max(1e-6, (Process.GetCurrentProcess().TotalProcessorTime - pc0).TotalSeconds);
            if (r > 0) { plainBest = Math.Max(plainBest, rate); plainCpuBest = Math.Max(plainCpuBest, cpuRate); }
        }

        // engine pass (first round is warm-up)
        var ev = new LogEvent { Location = "/var/log/syslog" };
        var t0 = DateTimeOffset.UtcNow;
        double best = 0, cpuBest = 0; int alerts = 0, matched = 0;
        var perRule = new Dictionary<int, int>();
        for (int r = 0; r < rounds + 1; r++)
        {
            alerts = 0; matched = 0;
            long gc0 = GC.GetAllocatedBytesForCurrentThread();
            var c0 = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            for (int i = 0; i < lines.Length; i++)
            {
                ev.FullLog = lines[i];
                ev.DecoderName = null;
                ev.PreviousOutput = null;
                ev.ReceivedAt = t0.AddMilliseconds(i + r * (double)n);
                var res = engine.Evaluate(ev);
                if (res.Alert != null) alerts++;
                if (res.Rule != null) { matched++; if (r == 0) perRule[res.Rule.Id] = perRule.GetValueOrDefault(res.Rule.Id) + 1; }
            }
            var el = sw.Elapsed.TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - c0).TotalSeconds;
            long alloc = GC.GetAllocatedBytesForCurrentThread() - gc0;
            var rate = n / el;
            if (r > 0) { best = Math.Max(best, rate); cpuBest = Math.Max(cpuBest, n / Math.Max(1e-6, cpu)); }
            Console.WriteLine($"round {r}{(r == 0 ? " (warm-up)" : "")}: {rate,12:N0} lines/s wall, {n / Math.Max(1e-6, cpu),12:N0} lines/s of CPU time  ({el:F2} s, {alloc / (double)n:N0} bytes allocated/line)");
        }
        Console.WriteLine();
        Console.WriteLine($"ruleset:                 {folder}  ({load.Ruleset.Decoders.Count} decoders, {load.Ruleset.Rules.Count} rules, loaded in {loadMs:N0} ms)");
        Console.WriteLine($"corpus:                  {n:N0} lines (seed 42): {matched:N0} matched a rule, {alerts:N0} alerts");
        Console.WriteLine($"top rules:               {string.Join(", ", perRule.OrderByDescending(kv => kv.Value).Take(8).Select(kv => $"{kv.Key}x{kv.Value}"))}");
        Console.WriteLine($"plain read+split:        {plainBest,12:N0} lines/s wall, {plainCpuBest,12:N0} lines/s of CPU time  (sink {sink % 7})");
        Console.WriteLine($"rule engine:             {best,12:N0} lines/s wall, {cpuBest,12:N0} lines/s of CPU time  (best of {rounds}, single thread)");
        Console.WriteLine($"ratio to plain pass:     {best / plainBest:F3} wall, {cpuBest / plainCpuBest:F3} CPU time");
        Console.WriteLine($"ratio to ossec-logtest:  {best / RefHigh:F2}x - {best / RefLow:F2}x wall, {cpuBest / RefHigh:F2}x - {cpuBest / RefLow:F2}x CPU time  (reference 110,000-128,000 lines/s; target >= 2x)");
        Console.WriteLine($"machine load average:    {LoadAverage()}  (wall-clock rates are only comparable on an idle machine; CPU-time rates discount other processes)");
        Console.WriteLine($"memory (ruleset+engine): {(after - before) / 1048576.0:F1} MB managed (target < 100 MB); process working set {Environment.WorkingSet / 1048576.0:F0} MB");
        return 0;
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; } catch (IOException) { return "?"; }
    }

    private static string FindShared()
    {
        var dir = AppContext.BaseDirectory;
        while (dir != null)
        {
            var p = Path.Combine(dir, "..", "shared", "conformance", "ossec-3.2.0");
            if (Directory.Exists(p)) return Path.GetFullPath(p);
            dir = Path.GetDirectoryName(dir);
        }
        throw new DirectoryNotFoundException("../shared/conformance/ossec-3.2.0 not found; pass the ruleset folder as the 3rd argument");
    }
}
