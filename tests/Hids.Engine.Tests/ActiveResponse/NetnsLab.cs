using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hids.Engine.ActiveResponse;

namespace Hids.Engine.Tests.ActiveResponse;

[CollectionDefinition("netns", DisableParallelization = true)]
public sealed class NetnsCollection { }

/// <summary>
/// Two network namespaces made by the test ("server" and "peer") joined by a veth pair, with addresses from
/// 10.231.x.0/24 and fd00:231:x::/64 that exist only inside them. The host's own namespace and firewall are never
/// touched: the veth pair is created inside the server namespace with its peer end moved straight into the peer
/// namespace. A TCP listener is opened inside the server namespace by creating its socket on a thread that
/// entered the namespace with setns(2). Dispose removes both namespaces; the constructor first removes stale
/// hids-t-* namespaces whose creating process is gone (an earlier crashed run).
/// </summary>
public sealed class NetnsLab : IDisposable
{
    private static readonly string Ip = ToolLocator.Find("ip") ?? "ip";
    public string Server { get; }
    public string Peer { get; }
    public IPAddress ServerV4 { get; }
    public IPAddress PeerV4 { get; }
    public IPAddress ServerV6 { get; }
    public IPAddress PeerV6 { get; }
    private readonly List<Socket> _listeners = new();
    private readonly CancellationTokenSource _stop = new();

    public static bool Available(out string why)
    {
        why = "";
        if (!OperatingSystem.IsLinux()) { why = "not Linux"; return false; }
        if (Environment.UserName != "root" && geteuid() != 0) { why = "needs root for ip netns"; return false; }
        if (ToolLocator.Find("ip") is null) { why = "iproute2 missing"; return false; }
        return true;
    }

    public NetnsLab()
    {
        RemoveStale();
        var id = $"{Environment.ProcessId}-{Random.Shared.Next(1000, 9999)}";
        Server = $"hids-t-{id}-s";
        Peer = $"hids-t-{id}-p";
        int k = Random.Shared.Next(1, 250);
        ServerV4 = IPAddress.Parse($"10.231.{k}.1");
        PeerV4 = IPAddress.Parse($"10.231.{k}.2");
        ServerV6 = IPAddress.Parse($"fd00:231:{k:x}::1");
        PeerV6 = IPAddress.Parse($"fd00:231:{k:x}::2");
        try
        {
            Must("netns", "add", Server);
            Must("netns", "add", Peer);
            Must("-n", Server, "link", "set", "lo", "up");
            Must("-n", Peer, "link", "set", "lo", "up");
            Must("-n", Server, "link", "add", "hv0", "type", "veth", "peer", "name", "hv1", "netns", Peer);
            Must("-n", Server, "addr", "add", $"{ServerV4}/24", "dev", "hv0");
            Must("-n", Peer, "addr", "add", $"{PeerV4}/24", "dev", "hv1");
            Must("-n", Server, "addr", "add", $"{ServerV6}/64", "dev", "hv0", "nodad");
            Must("-n", Peer, "addr", "add", $"{PeerV6}/64", "dev", "hv1", "nodad");
            Must("-n", Server, "link", "set", "hv0", "up");
            Must("-n", Peer, "link", "set", "hv1", "up");
        }
        catch { Dispose(); throw; }
    }

    public static ProcessResult RunIp(params string[] args) => new ProcessRunner(null, TimeSpan.FromSeconds(20)).Run(Ip, args);

    private static void Must(params string[] args)
    {
        var r = RunIp(args);
        if (!r.Success) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {r.Describe()}");
    }

    /// <summary>Runs a tool inside a namespace (argument vector).</summary>
    public static ProcessResult Exec(string ns, string tool, params string[] args)
        => new ProcessRunner(ns, TimeSpan.FromSeconds(20)).RunTool(ToolLocator.Find(tool) ?? tool, args);

    private static void RemoveStale()
    {
        var r = RunIp("netns", "list");
        foreach (var line in r.StdOut.Split('\n'))
        {
            var name = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (name is null || !name.StartsWith("hids-t-")) continue;
            var parts = name.Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[2], out var pid)) continue;
            if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue; // still in use by a live run
            RunIp("netns", "del", name);
        }
    }

    /// <summary>Opens a TCP listener on <paramref name="address"/> inside the server namespace; returns its port.</summary>
    public int Listen(IPAddress address)
    {
        var sock = InNamespace(Server, () => new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        sock.Bind(new IPEndPoint(address, 0));
        sock.Listen(64);
        lock (_listeners) _listeners.Add(sock);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try { using var c = await sock.AcceptAsync(_stop.Token); await c.SendAsync(new byte[] { (byte)'k' }); }
                catch { if (_stop.IsCancellationRequested) break; }
            }
        });
        return ((IPEndPoint)sock.LocalEndPoint!).Port;
    }

    /// <summary>True when a TCP connection from the peer namespace to <paramref name="target"/> succeeds within the time limit.</summary>
    public bool PeerCanConnect(IPEndPoint target, int timeoutMs = 700)
    {
        using var sock = InNamespace(Peer, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        try
        {
            using var cts = new CancellationTokenSource(timeoutMs);
            sock.ConnectAsync(target, cts.Token).AsTask().GetAwaiter().GetResult();
            var buf = new byte[1];
            var n = sock.ReceiveAsync(buf, SocketFlags.None, cts.Token).AsTask().GetAwaiter().GetResult();
            return n == 1;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }

    /// <summary>Polls until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns the time it took (null = never).</summary>
    public static TimeSpan? WaitFor(Func<bool> condition, TimeSpan timeout, int stepMs = 50)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition()) return sw.Elapsed;
            Thread.Sleep(stepMs);
        }
        return condition() ? sw.Elapsed : null;
    }

    [DllImport("libc", SetLastError = true)] private static extern int setns(int fd, int nstype);
    [DllImport("libc")] private static extern uint geteuid();
    private const int CLONE_NEWNET = 0x40000000;

    /// <summary>Runs <paramref name="f"/> on a new thread that has entered network namespace <paramref name="ns"/> (sockets it creates live there).</summary>
    public static T InNamespace<T>(string ns, Func<T> f)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                using var h = File.OpenHandle($"/run/netns/{ns}", FileMode.Open, FileAccess.Read);
                if (setns((int)h.DangerousGetHandle(), CLONE_NEWNET) != 0)
                    throw new InvalidOperationException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                result = f();
            }
            catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        if (error is not null) throw new InvalidOperationException("in namespace " + ns + ": " + error.Message, error);
        return result;
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_listeners) foreach (var s in _listeners) { try { s.Dispose(); } catch { } }
        RunIp("netns", "del", Server);
        RunIp("netns", "del", Peer);
    }
}
