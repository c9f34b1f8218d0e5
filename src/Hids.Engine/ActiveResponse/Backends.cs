using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hids.Engine.Alerts;

namespace Hids.Engine.ActiveResponse;

/// <summary>What a response acts on: a validated address and/or a validated user name.</summary>
public sealed record ResponseTarget(IPAddress? Address, string? User)
{
    /// <summary>The state-store key: the canonical address, or "user:name" for user-only commands.</summary>
    public string Key => Address is not null ? AddressValidation.Canonical(Address) : "user:" + User;
    public override string ToString() => Key;
}

/// <summary>Why a response runs: the alert (null for a manual block), for custom commands' JSON.</summary>
public sealed record ResponseContext(Alert? Alert, int? RuleId, string? AlertId, string Reason);

/// <summary>A failure of a backend (the tool failed, the file could not be written); the message says what.</summary>
public sealed class ActiveResponseException : Exception
{
    public ActiveResponseException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>One way of blocking: hosts.deny, nftables, iptables, or a custom executable.</summary>
public interface IResponseBackend
{
    /// <summary>host-deny, nftables, iptables, iptables+ipset, custom.</summary>
    string Kind { get; }
    /// <summary>True when the kernel removes a block at its timeout by itself (nft set element / ipset timeouts).</summary>
    bool KernelExpiry { get; }
    void Block(ResponseTarget target, TimeSpan? timeout, ResponseContext context);
    void Unblock(ResponseTarget target, ResponseContext context);
}

/// <summary>
/// host-deny: one line <c>ALL: &lt;ip&gt;</c> (IPv6 as <c>ALL: [addr]</c>) per blocked address in hosts.deny. Every
/// change rewrites the file atomically (a temp file in the same folder, fsync, rename) under an exclusive lock,
/// preserving every other line and the file's mode.
/// </summary>
public sealed class HostsDenyBackend : IResponseBackend
{
    public const string DefaultPath = "/etc/hosts.deny";
    private static readonly object ProcessGate = new();

    /// <param name="lockDirectory">Where the cross-process lock file lives (the instance's var/run); default: beside the file.</param>
    public HostsDenyBackend(string path, string? lockDirectory = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        _lockDirectory = lockDirectory;
    }
    private readonly string? _lockDirectory;
    public string Path { get; }
    public string Kind => "host-deny";
    public bool KernelExpiry => false;

    public static string LineFor(IPAddress a) =>
        "ALL: " + (a.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + AddressValidation.Canonical(a) + "]" : AddressValidation.Canonical(a));

    public void Block(ResponseTarget target, TimeSpan? timeout, ResponseContext context)
    {
        var a = target.Address ?? throw new ActiveResponseException("host-deny needs an address");
        Update(lines => lines.Any(l => Matches(l, a)) ? null : lines.Append(LineFor(a)).ToList());
    }

    public void Unblock(ResponseTarget target, ResponseContext context)
    {
        var a = target.Address ?? throw new ActiveResponseException("host-deny needs an address");
        Update(lines => lines.Any(l => Matches(l, a)) ? lines.Where(l => !Matches(l, a)).ToList() : null);
    }

    /// <summary>The addresses this backend's lines name (lines of other forms are not ours and are ignored).</summary>
    public IReadOnlyList<IPAddress> ListBlocked()
    {
        if (!File.Exists(Path)) return Array.Empty<IPAddress>();
        var list = new List<IPAddress>();
        foreach (var l in File.ReadAllLines(Path))
        {
            var t = l.Trim();
            if (!t.StartsWith("ALL:", StringComparison.Ordinal)) continue;
            var v = t[4..].Trim().Trim('[', ']');
            if (AddressValidation.TryParse(v, out var a, out _)) list.Add(a);
        }
        return list;
    }

    private static bool Matches(string line, IPAddress a)
    {
        var t = line.Trim();
        if (!t.StartsWith("ALL:", StringComparison.Ordinal)) return false;
        var v = t[4..].Trim();
        if (v.StartsWith('[') && v.EndsWith(']')) v = v[1..^1];
        return IPAddress.TryParse(v, out var p) && (p.IsIPv4MappedToIPv6 ? p.MapToIPv4() : p).Equals(a);
    }

    private void Update(Func<List<string>, List<string>?> change)
    {
        lock (ProcessGate)
        {
            using var fileLock = AcquireLock();
            try
            {
                var exists = File.Exists(Path);
                var text = exists ? File.ReadAllText(Path) : "";
                var lines = text.Split('\n').ToList();
                if (lines.Count > 0 && lines[^1] == "") lines.RemoveAt(lines.Count - 1);
                var updated = change(lines);
                if (updated is null) return;
                var dir = System.IO.Path.GetDirectoryName(Path)!;
                Directory.CreateDirectory(dir);
                var tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(Path)}.hids-{Guid.NewGuid():N}.tmp");
                var bytes = Encoding.UTF8.GetBytes(string.Concat(updated.Select(l => l + "\n")));
                FileStream? tmpStream = null;
                try { tmpStream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None); }
                catch (Exception e) when (exists && e is IOException or UnauthorizedAccessException)
                {
                    // The folder is read-only (systemd's ProtectSystem=full makes /etc read-only and only hosts.deny
                    // itself writable): rewrite the file in place, still under the lock, and fsync it.
                    using var inPlace = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                    inPlace.SetLength(0);
                    inPlace.Write(bytes);
                    inPlace.Flush(flushToDisk: true);
                    return;
                }
                try
                {
                    using (var fs = tmpStream)
                    {
                        fs.Write(bytes);
                        fs.Flush(flushToDisk: true);
                    }
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, exists ? File.GetUnixFileMode(Path)
                        : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                    File.Move(tmp, Path, overwrite: true); // rename(2): readers see the old or the new file, never half of one
                }
                finally { if (File.Exists(tmp)) File.Delete(tmp); }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ActiveResponseException($"cannot update {Path}: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// An exclusive lock shared with other processes (the monitor and cmdlets): a lock file in the instance's var/run
    /// (or beside hosts.deny) — never in a world-writable folder such as /tmp, where a planted symlink could redirect it.
    /// </summary>
    private IDisposable AcquireLock()
    {
        var dir = _lockDirectory ?? System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(dir);
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Path)))[..12].ToLowerInvariant();
        var lockPath = System.IO.Path.Combine(dir, _lockDirectory is null ? $".{System.IO.Path.GetFileName(Path)}.hids-lock" : $"hosts-deny-{hash}.lock");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try { return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < deadline) { Thread.Sleep(20); }
            catch (IOException e) { throw new ActiveResponseException($"cannot lock {lockPath}: {e.Message}", e); }
        }
    }
}

/// <summary>
/// firewall-drop with nftables: a dedicated table (default <c>inet hids</c>) holding two sets, <c>blocked4</c>
/// (ipv4_addr) and <c>blocked6</c> (ipv6_addr), both with <c>flags timeout</c>, and two base chains (input and
/// forward hooks) that drop traffic from either set. A block is one set element carrying its own timeout: the
/// kernel removes it on time even if the monitor is dead, and 10,000 blocks cost one set, not 10,000 rules.
/// Every change is one <c>nft -f -</c> transaction fed on stdin (no shell, no string in a command line).
/// </summary>
public sealed class NftablesBackend : IResponseBackend
{
    public const string DefaultTable = "hids";
    private readonly ProcessRunner _runner;
    private readonly string _nft;
    private bool _ready;
    private readonly object _gate = new();

    public NftablesBackend(ProcessRunner runner, string? table = null, string? nftPath = null)
    {
        _runner = runner;
        Table = ParseTable(table);
        _nft = nftPath ?? ToolLocator.Find("nft") ?? throw new ActiveResponseException("nft (nftables) is not installed");
    }

    public string Table { get; }
    public string Kind => "nftables";
    public bool KernelExpiry => true;
    public string FamilyAndTable => "inet " + Table;

    /// <summary>"hids" or "inet hids" → "hids"; only the inet family is used; names are [A-Za-z][A-Za-z0-9_]{0,31}.</summary>
    public static string ParseTable(string? configured)
    {
        var t = (configured ?? "").Trim();
        if (t.Length == 0) return DefaultTable;
        if (t.StartsWith("inet ", StringComparison.Ordinal)) t = t[5..].Trim();
        if (!System.Text.RegularExpressions.Regex.IsMatch(t, "^[A-Za-z][A-Za-z0-9_]{0,31}$"))
            throw new ActiveResponseException($"invalid nftables table name '{configured}' (letters, digits and _ only, e.g. 'hids' or 'inet hids')");
        return t;
    }

    public string SetupScript()
    {
        var t = FamilyAndTable;
        var sb = new StringBuilder();
        sb.Append($"add table {t}\n");
        sb.Append($"add set {t} blocked4 {{ type ipv4_addr; flags timeout; }}\n");
        sb.Append($"add set {t} blocked6 {{ type ipv6_addr; flags timeout; }}\n");
        foreach (var hook in new[] { "input", "forward" })
        {
            sb.Append($"add chain {t} {hook} {{ type filter hook {hook} priority -10; policy accept; }}\n");
            sb.Append($"flush chain {t} {hook}\n");
            sb.Append($"add rule {t} {hook} ip saddr @blocked4 counter drop\n");
            sb.Append($"add rule {t} {hook} ip6 saddr @blocked6 counter drop\n");
        }
        return sb.ToString();
    }

    /// <summary>Creates the table, sets and chains if needed (idempotent; elements already in the sets are kept).</summary>
    public void EnsureReady()
    {
        lock (_gate)
        {
            if (_ready) return;
            if (!TableLooksReady()) Apply(SetupScript());
            _ready = true;
        }
    }

    private bool TableLooksReady()
    {
        var r = _runner.RunTool(_nft, new[] { "-j", "list", "table", "inet", Table });
        if (!r.Success) return false;
        try
        {
            var doc = JsonNode.Parse(r.StdOut)?["nftables"]?.AsArray();
            if (doc is null) return false;
            int sets = doc.Count(n => n?["set"] is not null);
            int rules = doc.Count(n => n?["rule"] is not null);
            int chains = doc.Count(n => n?["chain"] is not null);
            return sets >= 2 && chains >= 2 && rules >= 4;
        }
        catch (JsonException) { return false; }
    }

    private static string SetFor(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6 ? "blocked6" : "blocked4";

    private static string Seconds(TimeSpan t) => Math.Max(1, (long)Math.Ceiling(t.TotalSeconds)) + "s";

    public void Block(ResponseTarget target, TimeSpan? timeout, ResponseContext context)
        => BlockMany(new[] { (target.Address ?? throw new ActiveResponseException("firewall-drop needs an address"), timeout) });

    /// <summary>Adds (or re-adds with a fresh timeout) many elements in one transaction per 2,000 addresses.</summary>
    public void BlockMany(IEnumerable<(IPAddress Address, TimeSpan? Timeout)> blocks)
    {
        EnsureReady();
        foreach (var chunk in blocks.Chunk(2000))
        {
            var sb = new StringBuilder();
            foreach (var (a, timeout) in chunk)
            {
                var ip = AddressValidation.Canonical(a);
                var set = SetFor(a);
                // add (no-op if present) + delete + add: replaces an existing element so its timeout restarts.
                sb.Append($"add element {FamilyAndTable} {set} {{ {ip} }}\n");
                sb.Append($"delete element {FamilyAndTable} {set} {{ {ip} }}\n");
                sb.Append($"add element {FamilyAndTable} {set} {{ {ip}{(timeout is { } t ? " timeout " + Seconds(t) : "")} }}\n");
            }
            ApplyWithRetry(sb.ToString());
        }
    }

    public void Unblock(ResponseTarget target, ResponseContext context)
    {
        var a = target.Address ?? throw new ActiveResponseException("firewall-drop needs an address");
        EnsureReady();
        var ip = AddressValidation.Canonical(a);
        var set = SetFor(a);
        // add + delete in one transaction: removes the element whether or not it already expired.
        ApplyWithRetry($"add element {FamilyAndTable} {set} {{ {ip} }}\ndelete element {FamilyAndTable} {set} {{ {ip} }}\n");
    }

    /// <summary>The addresses in both sets with the seconds left (null = permanent).</summary>
    public IReadOnlyList<(IPAddress Address, double? ExpiresInSeconds)> ListBlocked()
    {
        var list = new List<(IPAddress, double?)>();
        foreach (var set in new[] { "blocked4", "blocked6" })
        {
            var r = _runner.RunTool(_nft, new[] { "-j", "list", "set", "inet", Table, set });
            if (!r.Success) continue;
            var nodes = JsonNode.Parse(r.StdOut)?["nftables"]?.AsArray();
            foreach (var n in nodes ?? new JsonArray())
            {
                var elems = n?["set"]?["elem"]?.AsArray();
                if (elems is null) continue;
                foreach (var e in elems)
                {
                    string? val; double? exp = null;
                    if (e is JsonValue v) val = v.ToString();
                    else { val = e?["elem"]?["val"]?.ToString(); var x = e?["elem"]?["expires"]; if (x is not null) exp = x.GetValue<double>(); }
                    if (val is not null && IPAddress.TryParse(val, out var ip)) list.Add((ip, exp));
                }
            }
        }
        return list;
    }

    /// <summary>The number of rules in the table (constant however many addresses are blocked).</summary>
    public int CountRules()
    {
        var r = _runner.RunTool(_nft, new[] { "-j", "list", "table", "inet", Table });
        if (!r.Success) return 0;
        return JsonNode.Parse(r.StdOut)?["nftables"]?.AsArray().Count(n => n?["rule"] is not null) ?? 0;
    }

    private void ApplyWithRetry(string script)
    {
        try { Apply(script); }
        catch (ActiveResponseException)
        {
            // The table may have been removed behind our back (nft flush ruleset): rebuild it and try once more.
            lock (_gate) _ready = false;
            EnsureReady();
            Apply(script);
        }
    }

    private void Apply(string script)
    {
        var r = _runner.RunTool(_nft, new[] { "-f", "-" }, script);
        if (!r.Success) throw new ActiveResponseException($"nft failed ({r.Describe()})");
    }
}

/// <summary>
/// firewall-drop with iptables where nftables is absent: a dedicated chain <c>HIDS-BLOCK</c> jumped to from INPUT
/// and FORWARD (iptables and ip6tables). With ipset installed the chain holds one rule per family matching the
/// sets <c>hids-blocked4</c>/<c>hids-blocked6</c> whose entries carry their own timeout (the kernel unblocks);
/// without ipset there is one DROP rule per address and the monitor removes it when the block expires.
/// </summary>
public sealed class IptablesBackend : IResponseBackend
{
    public const string Chain = "HIDS-BLOCK";
    private readonly ProcessRunner _runner;
    private readonly string _ipt4;
    private readonly string? _ipt6;
    private readonly string? _ipset;
    private bool _ready;
    private readonly object _gate = new();

    public IptablesBackend(ProcessRunner runner, bool useIpset = true)
    {
        _runner = runner;
        _ipt4 = ToolLocator.Find("iptables") ?? throw new ActiveResponseException("neither nft nor iptables is installed");
        _ipt6 = ToolLocator.Find("ip6tables");
        _ipset = useIpset ? ToolLocator.Find("ipset") : null;
    }

    public bool UsesIpset => _ipset is not null;
    public string Kind => UsesIpset ? "iptables+ipset" : "iptables";
    public bool KernelExpiry => UsesIpset;

    private string Tool(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6
        ? _ipt6 ?? throw new ActiveResponseException("ip6tables is not installed") : _ipt4;
    private static string SetName(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6 ? "hids-blocked6" : "hids-blocked4";

    public void EnsureReady()
    {
        lock (_gate)
        {
            if (_ready) return;
            foreach (var (tool, v6) in new[] { (_ipt4, false), (_ipt6, true) })
            {
                if (tool is null) continue;
                var list = _runner.RunTool(tool, new[] { "-w", "-n", "-L", Chain });
                if (!list.Success) Must(_runner.RunTool(tool, new[] { "-w", "-N", Chain }), "create chain");
                foreach (var hook in new[] { "INPUT", "FORWARD" })
                    if (!_runner.RunTool(tool, new[] { "-w", "-C", hook, "-j", Chain }).Success)
                        Must(_runner.RunTool(tool, new[] { "-w", "-I", hook, "1", "-j", Chain }), $"jump from {hook}");
                if (_ipset is not null)
                {
                    var set = v6 ? "hids-blocked6" : "hids-blocked4";
                    Must(_runner.RunTool(_ipset, new[] { "create", set, "hash:ip", "family", v6 ? "inet6" : "inet", "timeout", "0", "-exist" }), "ipset create");
                    var rule = new[] { Chain, "-m", "set", "--match-set", set, "src", "-j", "DROP" };
                    if (!_runner.RunTool(tool, new[] { "-w", "-C" }.Concat(rule)).Success)
                        Must(_runner.RunTool(tool, new[] { "-w", "-A" }.Concat(rule)), "add set rule");
                }
            }
            _ready = true;
        }
    }

    public void Block(ResponseTarget target, TimeSpan? timeout, ResponseContext context)
    {
        var a = target.Address ?? throw new ActiveResponseException("firewall-drop needs an address");
        EnsureReady();
        var ip = AddressValidation.Canonical(a);
        if (_ipset is not null)
        {
            var secs = timeout is { } t ? Math.Max(1, (long)Math.Ceiling(t.TotalSeconds)).ToString() : "0";
            // -exist on an existing entry refreshes its timeout.
            Must(_runner.RunTool(_ipset, new[] { "add", SetName(a), ip, "timeout", secs, "-exist" }), "ipset add");
            return;
        }
        var tool = Tool(a);
        if (!_runner.RunTool(tool, new[] { "-w", "-C", Chain, "-s", ip, "-j", "DROP" }).Success)
            Must(_runner.RunTool(tool, new[] { "-w", "-A", Chain, "-s", ip, "-j", "DROP" }), "add rule");
    }

    public void Unblock(ResponseTarget target, ResponseContext context)
    {
        var a = target.Address ?? throw new ActiveResponseException("firewall-drop needs an address");
        EnsureReady();
        var ip = AddressValidation.Canonical(a);
        if (_ipset is not null)
        {
            Must(_runner.RunTool(_ipset, new[] { "del", SetName(a), ip, "-exist" }), "ipset del");
            return;
        }
        var tool = Tool(a);
        for (int i = 0; i < 100 && _runner.RunTool(tool, new[] { "-w", "-C", Chain, "-s", ip, "-j", "DROP" }).Success; i++)
            Must(_runner.RunTool(tool, new[] { "-w", "-D", Chain, "-s", ip, "-j", "DROP" }), "delete rule");
    }

    /// <summary>Rules in HIDS-BLOCK (IPv4), for tests.</summary>
    public int CountRules()
    {
        var r = _runner.RunTool(_ipt4, new[] { "-w", "-S", Chain });
        return r.Success ? r.StdOut.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal)) : 0;
    }

    private static void Must(ProcessResult r, string what)
    {
        if (!r.Success) throw new ActiveResponseException($"iptables ({what}) failed: {r.Describe()}");
    }
}

/// <summary>
/// A custom &lt;command&gt;: the executable runs with an argument vector
/// <c>add|delete &lt;user or -&gt; &lt;srcip or -&gt; &lt;alert id&gt; &lt;rule id&gt; &lt;location&gt; [extra_args...]</c>
/// (the order OSSEC's scripts read) and the alert as one JSON document on stdin. Never through a shell.
/// </summary>
public sealed class CustomCommandBackend : IResponseBackend
{
    private readonly ProcessRunner _runner;
    public CustomCommandBackend(string executable, IReadOnlyList<string> extraArgs, ProcessRunner? runner = null)
    {
        Executable = executable; ExtraArgs = extraArgs; _runner = runner ?? new ProcessRunner();
    }
    public string Executable { get; }
    public IReadOnlyList<string> ExtraArgs { get; }
    public string Kind => "custom";
    public bool KernelExpiry => false;

    public void Block(ResponseTarget target, TimeSpan? timeout, ResponseContext context) => Run("add", target, timeout, context);
    public void Unblock(ResponseTarget target, ResponseContext context) => Run("delete", target, null, context);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private void Run(string action, ResponseTarget target, TimeSpan? timeout, ResponseContext context)
    {
        if (!File.Exists(Executable)) throw new ActiveResponseException($"the command's executable {Executable} does not exist");
        var args = new List<string>
        {
            action,
            target.User ?? "-",
            target.Address is null ? "-" : AddressValidation.Canonical(target.Address),
            string.IsNullOrEmpty(context.AlertId) ? "-" : context.AlertId!,
            context.RuleId?.ToString() ?? "-",
            context.Alert?.Location is { Length: > 0 } loc ? loc : "-",
        };
        args.AddRange(ExtraArgs);
        var doc = new JsonObject
        {
            ["version"] = 1,
            ["command"] = action,
            ["srcip"] = target.Address is null ? null : AddressValidation.Canonical(target.Address),
            ["user"] = target.User,
            ["timeout"] = timeout is { } t ? (long)t.TotalSeconds : null,
            ["rule_id"] = context.RuleId,
            ["reason"] = context.Reason,
            ["alert"] = context.Alert is null ? null : JsonNode.Parse(AlertJson.SerializeCompact(context.Alert)),
        };
        var r = _runner.Run(Executable, args, doc.ToJsonString(Json) + "\n");
        if (!r.Success) throw new ActiveResponseException($"{Path.GetFileName(Executable)} {action} failed ({r.Describe()})");
    }
}
