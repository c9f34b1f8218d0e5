using System.Globalization;
using Hids.Engine.Core;

namespace Hids.Engine.Rootcheck;

/// <summary>What the hidden-process check needs from the system; injectable for tests.</summary>
public interface IProcView
{
    /// <summary>Highest pid to probe.</summary>
    int MaxPid { get; }
    /// <summary>The pids the /proc listing shows (readdir of /proc).</summary>
    IReadOnlySet<int> ListPids();
    /// <summary>Does a process (or thread) with this id exist, by kill(pid, 0)?</summary>
    bool Exists(int pid);
    /// <summary>Does stat("/proc/&lt;pid&gt;") succeed?</summary>
    bool ProcEntryExists(int pid);
    /// <summary>The thread-group id of the task (its process), from /proc/&lt;pid&gt;/status; null when unreadable.</summary>
    int? ThreadGroupOf(int pid);
}

/// <summary>What the hidden-port check needs from the system; injectable for tests.</summary>
public interface IPortView
{
    /// <summary>Local ports the kernel lists in /proc/net/{tcp,tcp6} (tcp) or /proc/net/{udp,udp6} (udp), any state.</summary>
    IReadOnlySet<int> ListedPorts(bool tcp);
    /// <summary>Is the port in use, by a bind test (bind fails with EADDRINUSE)? Null when the test cannot tell
    /// (e.g. a privileged port without root).</summary>
    bool? InUse(bool tcp, int port);
}

/// <summary>The real /proc and kill(2).</summary>
public sealed class LinuxProcView : IProcView
{
    private readonly string _proc;

    public LinuxProcView(string procRoot = "/proc")
    {
        _proc = procRoot;
        int max = 32768;
        try { max = int.Parse(File.ReadAllText(Path.Combine(procRoot, "sys/kernel/pid_max")).Trim(), CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { }
        MaxPid = max;
    }

    public int MaxPid { get; }

    public IReadOnlySet<int> ListPids()
    {
        var set = new HashSet<int>();
        foreach (var d in Directory.EnumerateDirectories(_proc))
            if (int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) set.Add(pid);
        return set;
    }

    public bool Exists(int pid) => RootcheckNative.ProcessExists(pid);

    public bool ProcEntryExists(int pid) => UnixFile.LStat(Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture))) is not null;

    public int? ThreadGroupOf(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture), "status")))
                if (line.StartsWith("Tgid:", StringComparison.Ordinal)
                    && int.TryParse(line.AsSpan(5).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int tgid))
                    return tgid;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}

/// <summary>The real /proc/net tables and bind(2) tests on an IPv4 address (0.0.0.0 by default, which collides with
/// every local binding; tests use 127.0.0.1).</summary>
public sealed class LinuxPortView : IPortView
{
    private readonly string _proc;
    private readonly uint _address;

    public LinuxPortView(string procRoot = "/proc", System.Net.IPAddress? bindAddress = null)
    {
        _proc = procRoot;
        var bytes = (bindAddress ?? System.Net.IPAddress.Any).GetAddressBytes();
        if (bytes.Length != 4) throw new ArgumentException("bind address must be IPv4", nameof(bindAddress));
        _address = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
    }

    public IReadOnlySet<int> ListedPorts(bool tcp)
    {
        var set = new HashSet<int>();
        foreach (var name in tcp ? new[] { "tcp", "tcp6" } : new[] { "udp", "udp6" })
            ParseNetTable(Path.Combine(_proc, "net", name), set);
        return set;
    }

    /// <summary>Adds the local ports of a /proc/net/{tcp,udp}{,6} table to the set.</summary>
    public static void ParseNetTable(string file, HashSet<int> ports)
    {
        IEnumerable<string> lines;
        try { lines = File.ReadAllLines(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var line in lines.Skip(1))
        {
            // "  sl  local_address rem_address   st ..." → "0: 0100007F:0016 00000000:0000 0A ..."
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3) continue;
            string local = parts[1];
            int colon = local.LastIndexOf(':');
            if (colon < 0) continue;
            if (int.TryParse(local.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int port))
                ports.Add(port);
        }
    }

    public bool? InUse(bool tcp, int port)
    {
        int err = RootcheckNative.TryBind(tcp, _address, port);
        if (err == 0) return false;
        if (err == RootcheckNative.EADDRINUSE) return true;
        return null;
    }
}
