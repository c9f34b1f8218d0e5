using System.Diagnostics;
using System.Text.RegularExpressions;
using Hids.Engine.Analysis.Matching;

namespace Hids.Bench;

/// <summary>
/// Matches per second of the OSSEC matchers on typical sshd/sudo/pam lines: os_match (&lt;match&gt;), os_regex without
/// captures (rule &lt;regex&gt;/&lt;prematch&gt;), os_regex with captures (decoder &lt;regex&gt;), PCRE2, and .NET's
/// compiled Regex on equivalent patterns as the reference measured in the same run.
/// usage: Hids.Bench matchers [lines=20000] [rounds=5]
/// </summary>
public sealed class MatchersBench : IBench
{
    public string Name => "matchers";
    public string Description => "os_match / os_regex / PCRE2 matches per second on sshd lines (vs .NET Regex)";

    private static readonly string[] Templates =
    {
        "sshd[{0}]: Failed password for invalid user {1} from 10.{2}.3.{3} port {4} ssh2",
        "sshd[{0}]: Failed password for {1} from 192.168.{2}.{3} port {4} ssh2",
        "sshd[{0}]: Accepted publickey for {1} from 172.16.{2}.{3} port {4} ssh2: RSA SHA256:abcdef",
        "sshd[{0}]: Invalid user {1} from 10.0.{2}.{3} port {4}",
        "sshd[{0}]: Connection closed by authenticating user {1} 10.9.{2}.{3} port {4} [preauth]",
        "sshd[{0}]: pam_unix(sshd:session): session opened for user {1}(uid={4}) by (uid=0)",
        "sudo[{0}]:   {1} : TTY=pts/{2} ; PWD=/home/{1} ; USER=root ; COMMAND=/usr/bin/apt update",
        "CRON[{0}]: pam_unix(cron:session): session closed for user {1}",
    };

    // (os_regex, equivalent .NET/PCRE2 regex) pairs taken from the kind of patterns sshd decoders/rules use
    private static readonly (string Os, string Net)[] Regexes =
    {
        (@"^Failed \S+ for invalid user (\S+) from (\S+) port (\d+) \w+$", @"^Failed \S+ for invalid user (\S+) from (\S+) port (\d+) \w+$"),
        (@"^Failed \S+ for (\S+) from (\S+) port (\d+)", @"^Failed \S+ for (\S+) from (\S+) port (\d+)"),
        (@"^Accepted \S+ for (\S+) from (\S+) port (\d+)", @"^Accepted \S+ for (\S+) from (\S+) port (\d+)"),
        (@"^Invalid user (\S+) from (\S+)", @"^Invalid user (\S+) from (\S+)"),
        (@"user (\S+)\(uid=(\d+)\)", @"user (\S+)\(uid=(\d+)\)"),
        (@"^\s+(\S+) : TTY=\S+ ; PWD=\S+ ; USER=(\S+) ; COMMAND=(\.+)$", @"^\s+(\S+) : TTY=\S+ ; PWD=\S+ ; USER=(\S+) ; COMMAND=(.+)$"),
    };

    private static readonly string[] Matches =
    {
        "Failed password|Failed none|Failed keyboard",
        "Invalid user|illegal user",
        "^Accepted|authenticated",
        "session opened for user root|session opened for user admin",
        "COMMAND=/bin/su|COMMAND=/usr/bin/su",
        "error: PAM: Authentication failure",
        "Did not receive identification string",
        "[preauth]$",
    };

    public int Run(string[] args)
    {
        int lines = args.Length > 0 ? int.Parse(args[0]) : 20000;
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
        var rnd = new Random(42);
        string[] users = { "root", "admin", "bob", "alice", "oracle", "test", "ubuntu", "git" };
        // the message part (after the program name), as the rule engine sees it
        var corpus = new string[lines];
        for (int i = 0; i < lines; i++)
        {
            string full = string.Format(Templates[rnd.Next(Templates.Length)], rnd.Next(100, 99999),
                users[rnd.Next(users.Length)], rnd.Next(256), rnd.Next(256), rnd.Next(1024, 65535));
            corpus[i] = full[(full.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        }

        var osm = Matches.Select(OsMatch.Compile).ToArray();
        var osr = Regexes.Select(r => OsRegex.Compile(r.Os)).ToArray();
        var pcre = Regexes.Select(r => Pcre2Regex.Compile(r.Net, caseless: true)).ToArray();
        var net = Regexes.Select(r => new Regex(r.Net, RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)).ToArray();
        var netm = Matches.Select(m => new Regex(string.Join("|", m.Split('|').Select(NetForMatch)),
            RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)).ToArray();
        var caps = new List<string>();

        Console.WriteLine($"matchers: {lines} lines x {rounds} rounds; {Matches.Length} os_match and {Regexes.Length} os_regex patterns per line");
        double osmRate = Measure("os_match IsMatch", rounds, lines * osm.Length, () =>
        {
            int hits = 0;
            foreach (var l in corpus) foreach (var m in osm) if (m.IsMatch(l)) hits++;
            return hits;
        });
        double netmRate = Measure(".NET Regex (os_match equivalents)", rounds, lines * netm.Length, () =>
        {
            int hits = 0;
            foreach (var l in corpus) foreach (var m in netm) if (m.IsMatch(l)) hits++;
            return hits;
        });
        double osrRate = Measure("os_regex IsMatch", rounds, lines * osr.Length, () =>
        {
            int hits = 0;
            foreach (var l in corpus) foreach (var r in osr) if (r.IsMatch(l)) hits++;
            return hits;
        });
        double osrCapRate = Measure("os_regex TryMatch (captures)", rounds, lines * osr.Length, () =>
        {
            int hits = 0;
            foreach (var l in corpus) foreach (var r in osr) if (r.TryMatch(l, caps, out _)) hits++;
            return hits;
        });
        double pcreRate = Measure("PCRE2 IsMatch (JIT)", rounds, lines * pcre.Length, () =>
        {
            int hits = 0;
            foreach (var l in corpus) foreach (var r in pcre) if (r.IsMatch(l)) hits++;
            return hits;
        });
        double netRate = Measure(".NET Regex IsMatch (compiled)", rounds, lines * net.Length, () =>
        {
            int hits = 0;
            foreach (var l in corpus) foreach (var r in net) if (r.IsMatch(l)) hits++;
            return hits;
        });
        Console.WriteLine($"ratio os_match / .NET Regex:        {osmRate / netmRate:F2}");
        Console.WriteLine($"ratio os_regex / .NET Regex:        {osrRate / netRate:F2}");
        Console.WriteLine($"ratio os_regex captures / .NET:     {osrCapRate / netRate:F2}");
        Console.WriteLine($"ratio PCRE2 / .NET Regex:           {pcreRate / netRate:F2}");

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var l in corpus) { foreach (var m in osm) m.IsMatch(l); foreach (var r in osr) r.IsMatch(l); foreach (var r in pcre) r.IsMatch(l); }
        long alloc = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"bytes allocated by IsMatch over the corpus (os_match + os_regex + PCRE2): {alloc}");
        foreach (var r in pcre) r.Dispose();
        return alloc == 0 ? 0 : 1;
    }

    private static string NetForMatch(string alt)
    {
        bool b = alt.StartsWith('^'), e = alt.EndsWith('$') && alt.Length > (b ? 1 : 0);
        string core = alt[(b ? 1 : 0)..(e ? alt.Length - 1 : alt.Length)];
        return (b ? "^" : "") + Regex.Escape(core) + (e ? "$" : "");
    }

    private static double Measure(string name, int rounds, long opsPerRound, Func<int> body)
    {
        for (int w = 0; w < 3; w++) body(); // warm-up (JIT, tiering)
        double best = 0;
        int hits = 0;
        for (int r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            hits = body();
            sw.Stop();
            best = Math.Max(best, opsPerRound / sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"{name,-36} {best,14:N0} matches/s  ({hits} hits per round)");
        return best;
    }
}
