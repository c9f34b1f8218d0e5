using System.Net;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.ActiveResponse;

public enum ResponseKind { HostDeny, FirewallDrop, Custom }

/// <summary>A resolved &lt;command&gt;: what it is (built-in or custom), what it expects, whether it may time out.</summary>
public sealed class ResponseCommand
{
    public string Name { get; init; } = "";
    public ResponseKind Kind { get; init; }
    /// <summary>Full path of a custom command's executable (relative names are looked up in the instance's bin/).</summary>
    public string? Executable { get; init; }
    public bool ExpectSrcIp { get; init; }
    public bool ExpectUser { get; init; }
    public bool TimeoutAllowed { get; init; }
    public IReadOnlyList<string> ExtraArgs { get; init; } = Array.Empty<string>();
}

/// <summary>
/// Active response configuration resolved from the typed ossec.conf model: the commands (host-deny and
/// firewall-drop are built in and always defined), the &lt;active-response&gt; entries, the addresses never
/// blocked, where hosts.deny lives, which firewall backend and table to use, and (as a testing aid) the network
/// namespace the firewall runs in ($HIDS_NETNS).
/// </summary>
public sealed class ActiveResponseSettings
{
    public const string NetnsVariable = "HIDS_NETNS";
    public const string HostDeny = "host-deny";
    public const string FirewallDrop = "firewall-drop";

    public Dictionary<string, ResponseCommand> Commands { get; } = new(StringComparer.Ordinal);
    public List<ActiveResponseOptions> Responses { get; } = new();
    public ProtectedAddresses Protected { get; private set; } = new(Array.Empty<string>());
    public string HostsDenyPath { get; set; } = HostsDenyBackend.DefaultPath;
    public string NftTable { get; set; } = NftablesBackend.DefaultTable;
    /// <summary>auto (nftables when nft exists, else iptables), nftables, iptables.</summary>
    public string FirewallBackend { get; set; } = "auto";
    public string? NetworkNamespace { get; set; }
    /// <summary>Where cross-process lock files live (the instance's var/run).</summary>
    public string? LockDirectory { get; set; }
    public TimeSpan OffenceWindow { get; set; } = TimeSpan.FromDays(1);
    /// <summary>True when a bare &lt;active-response&gt;&lt;disabled&gt;yes&lt;/disabled&gt; switches active response off.</summary>
    public bool Disabled { get; set; }
    /// <summary>Problems found while resolving (unknown commands, invalid white-list entries, negative timeouts).</summary>
    public List<string> Problems { get; } = new();

    public static ActiveResponseSettings From(HidsConfiguration config, InstancePaths paths, string? networkNamespace = null,
        Func<IEnumerable<IPAddress>>? ownAddresses = null)
    {
        var s = new ActiveResponseSettings { LockDirectory = paths.VarRun };
        s.NetworkNamespace = networkNamespace ?? NullIfEmpty(Environment.GetEnvironmentVariable(NetnsVariable));
        if (s.NetworkNamespace is not null && !ProcessRunner.IsValidNamespaceName(s.NetworkNamespace))
        {
            s.Problems.Add($"${NetnsVariable}='{s.NetworkNamespace}' is not a valid network namespace name; ignored");
            s.NetworkNamespace = null;
        }
        s.HostsDenyPath = NullIfEmpty(config.Hids.HostsDenyPath) ?? NullIfEmpty(config.Global.HostsDenyPath) ?? HostsDenyBackend.DefaultPath;
        try { s.NftTable = NftablesBackend.ParseTable(config.Hids.NftTable); }
        catch (ActiveResponseException e) { s.Problems.Add(e.Message + "; using 'inet hids'"); }
        s.FirewallBackend = (NullIfEmpty(config.Hids.FirewallBackend) ?? "auto").ToLowerInvariant();
        if (s.FirewallBackend is not ("auto" or "nftables" or "nft" or "iptables" or "none"))
        {
            s.Problems.Add($"unknown firewall backend '{config.Hids.FirewallBackend}' (auto, nftables, iptables, none); using auto");
            s.FirewallBackend = "auto";
        }
        if (config.Hids.OffenceWindowMinutes > 0) s.OffenceWindow = TimeSpan.FromMinutes(config.Hids.OffenceWindowMinutes);

        // Built-ins first; an explicit <command> with the same name (as in OSSEC's stock ossec.conf) replaces them.
        s.Commands[HostDeny] = new ResponseCommand { Name = HostDeny, Kind = ResponseKind.HostDeny, ExpectSrcIp = true, TimeoutAllowed = true };
        s.Commands[FirewallDrop] = new ResponseCommand { Name = FirewallDrop, Kind = ResponseKind.FirewallDrop, ExpectSrcIp = true, TimeoutAllowed = true };
        foreach (var c in config.Commands)
        {
            if (string.IsNullOrWhiteSpace(c.Name)) { s.Problems.Add($"{Where(c.Source)}a <command> without a <name> is ignored"); continue; }
            var expect = (c.Expect ?? "").Split(new[] { ',', ' ', '|' }, StringSplitOptions.RemoveEmptyEntries).Select(x => x.Trim().ToLowerInvariant()).ToHashSet();
            var exeName = Path.GetFileName(c.Executable ?? "");
            var kind = exeName switch
            {
                "host-deny" or "host-deny.sh" => ResponseKind.HostDeny,
                "firewall-drop" or "firewall-drop.sh" or "firewalld-drop.sh" or "nftables-drop" => ResponseKind.FirewallDrop,
                _ => ResponseKind.Custom,
            };
            string? exe = null;
            if (kind == ResponseKind.Custom)
            {
                if (string.IsNullOrWhiteSpace(c.Executable)) { s.Problems.Add($"{Where(c.Source)}command '{c.Name}' has no <executable>"); continue; }
                exe = Path.IsPathRooted(c.Executable) ? c.Executable : Path.Combine(paths.Bin, c.Executable);
            }
            s.Commands[c.Name] = new ResponseCommand
            {
                Name = c.Name,
                Kind = kind,
                Executable = exe,
                ExpectSrcIp = kind != ResponseKind.Custom || expect.Contains("srcip"),
                ExpectUser = kind == ResponseKind.Custom && expect.Contains("user"),
                TimeoutAllowed = kind != ResponseKind.Custom || c.TimeoutAllowed,
                ExtraArgs = c.ExtraArgs.ToList(),
            };
        }
        foreach (var r in config.ActiveResponses)
        {
            if (r.Disabled) { if (string.IsNullOrWhiteSpace(r.Command)) s.Disabled = true; else s.Responses.Add(r); continue; }
            if (!s.Commands.ContainsKey(r.Command))
            { s.Problems.Add($"{Where(r.Source)}<active-response> names command '{r.Command}', which is not defined; it will never run"); continue; }
            if (r.Timeout is < 0) { s.Problems.Add($"{Where(r.Source)}<active-response> for '{r.Command}' has a negative timeout; it will never run"); continue; }
            if (r.RepeatedOffenders.Any(m => m <= 0)) { s.Problems.Add($"{Where(r.Source)}repeated_offenders must be positive minutes; the entry for '{r.Command}' will never run"); continue; }
            if (!string.Equals(r.Location, "local", StringComparison.OrdinalIgnoreCase) && !string.Equals(r.Location, "all", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(r.Location, "server", StringComparison.OrdinalIgnoreCase))
                s.Problems.Add($"{Where(r.Source)}location '{r.Location}' is treated as local (Hids runs standalone)");
            s.Responses.Add(r);
        }

        var nsForOwn = s.NetworkNamespace;
        s.Protected = new ProtectedAddresses(config.Global.WhiteList,
            ownAddresses ?? (() => ProtectedAddresses.LocalInterfaceAddresses().Concat(NamespaceAddresses(nsForOwn))));
        foreach (var bad in s.Protected.InvalidEntries) s.Problems.Add($"white_list: {bad}; it protects nothing");
        return s;
    }

    /// <summary>The addresses of a network namespace (its "own" addresses when the firewall runs there).</summary>
    public static IEnumerable<IPAddress> NamespaceAddresses(string? ns)
    {
        if (ns is null) return Array.Empty<IPAddress>();
        var ip = ToolLocator.Find("ip");
        if (ip is null) return Array.Empty<IPAddress>();
        var r = new ProcessRunner(null, TimeSpan.FromSeconds(5)).Run(ip, new[] { "-n", ns, "-o", "addr", "show" });
        var list = new List<IPAddress>();
        if (!r.Success) return list;
        foreach (var line in r.StdOut.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var i = Array.FindIndex(parts, p => p is "inet" or "inet6");
            if (i < 0 || i + 1 >= parts.Length) continue;
            var a = parts[i + 1].Split('/')[0];
            if (IPAddress.TryParse(a, out var addr)) list.Add(addr);
        }
        return list;
    }

    private IResponseBackend? _firewall;
    private readonly Dictionary<string, IResponseBackend> _backends = new();

    /// <summary>The backend of a command (created on first use; firewall backends are shared).</summary>
    public IResponseBackend BackendFor(ResponseCommand c)
    {
        lock (_backends)
        {
            if (_backends.TryGetValue(c.Name, out var b)) return b;
            b = c.Kind switch
            {
                ResponseKind.HostDeny => new HostsDenyBackend(HostsDenyPath, LockDirectory),
                ResponseKind.FirewallDrop => _firewall ??= CreateFirewall(),
                _ => new CustomCommandBackend(c.Executable!, c.ExtraArgs),
            };
            _backends[c.Name] = b;
            return b;
        }
    }

    private IResponseBackend CreateFirewall()
    {
        if (FirewallBackend == "none") throw new ActiveResponseException("firewall-drop is switched off (<hids><firewall_backend>none</firewall_backend>)");
        var runner = new ProcessRunner(NetworkNamespace);
        bool nft = FirewallBackend is "nftables" or "nft" || FirewallBackend == "auto" && ToolLocator.Find("nft") is not null;
        return nft ? new NftablesBackend(runner, NftTable) : new IptablesBackend(runner);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    private static string Where(SourcePositionInfo? p) => p is null ? "" : p + ": ";
}
