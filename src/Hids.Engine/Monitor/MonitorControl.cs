using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

/// <summary>
/// What the cmdlets and hidsd share about a running monitor: the pid file, how to tell a live hidsd from a stale pid
/// (a dead process, or a pid reused by another program), and signals.
/// </summary>
public static class MonitorControl
{
    public const string ProcessName = "hidsd";

    public static int? ReadPid(InstancePaths paths)
    {
        try
        {
            if (!File.Exists(paths.PidFile)) return null;
            return int.TryParse(File.ReadAllText(paths.PidFile).Trim(), out var pid) && pid > 0 ? pid : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>True when <paramref name="pid"/> is a live hidsd serving this instance (checked through /proc/pid/cmdline).</summary>
    public static bool IsMonitorProcess(int pid, InstancePaths paths)
    {
        if (!UnixNative.ProcessExists(pid)) return false;
        string[] args;
        try { args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return true; /* cannot tell: do not call it stale */ }
        if (!args.Any(a => Path.GetFileName(a) is "hidsd" or "hidsd.dll")) return false;
        int i = Array.FindIndex(args, a => a == "--instance");
        if (i < 0 || i + 1 >= args.Length) return false;
        try { return Path.GetFullPath(args[i + 1]).TrimEnd('/') == paths.Root.TrimEnd('/'); }
        catch (ArgumentException) { return false; }
    }

    /// <summary>The pid of the monitor running for this instance, or null. A stale pid file is reported through
    /// <paramref name="stalePid"/> (the caller decides whether to clean it).</summary>
    public static int? FindRunning(InstancePaths paths, out int? stalePid)
    {
        stalePid = null;
        var pid = ReadPid(paths);
        if (pid is null) return null;
        if (IsMonitorProcess(pid.Value, paths)) return pid;
        // A monitor hosted inside pwsh (Start-HidsMonitor -Foreground) holds the instance lock.
        if (UnixNative.ProcessExists(pid.Value) && MonitorLauncher.IsLockHeld(paths)) return pid;
        stalePid = pid;
        return null;
    }

    /// <summary>
    /// The monitor's status as a reader sees it. Running (<paramref name="pid"/> set): its last status file with uptime
    /// and resident memory, Starting until it has written one, Unresponsive when that is over 30 s old. Not running:
    /// what the last monitor left, Crashed when a stale pid file (<paramref name="stalePid"/>) or its last status says
    /// so, Failed when it failed, else NotRunning.
    /// </summary>
    public static MonitorStatus CurrentStatus(InstancePaths paths, int? pid, int? stalePid)
    {
        var last = MonitorStatus.Read(paths.StatusFile);
        if (pid is null)
        {
            var state = last?.State == "Failed" ? "Failed" : stalePid is not null || last?.State == "Crashed" ? "Crashed" : "NotRunning";
            return new MonitorStatus
            {
                Running = false, State = state, StalePid = stalePid, Instance = paths.Root, Version = MonitorHost.Version,
                StartedAt = last?.StartedAt, UpdatedAt = last?.UpdatedAt,
                AlertsTotal = last?.AlertsTotal ?? 0, EventsAnalyzed = last?.EventsAnalyzed ?? 0,
            };
        }
        var st = last ?? new MonitorStatus { State = "Starting", Instance = paths.Root };
        st.Pid = pid.Value;
        st.Running = true;
        if (st.State is "Stopped" or "NotRunning" or "Crashed") st.State = "Starting";
        if (st.StartedAt is { } s) st.Uptime = DateTimeOffset.Now - s;
        if (st.UpdatedAt is { } u && DateTimeOffset.Now - u > TimeSpan.FromSeconds(30) && st.State == "Running") st.State = "Unresponsive";
        st.ResidentMemoryBytes = ResidentBytes(pid.Value);
        return st;
    }

    /// <summary>Removes the pid file and status file left behind by a monitor that crashed.</summary>
    public static void CleanStale(InstancePaths paths)
    {
        TryDelete(paths.PidFile);
        var st = MonitorStatus.Read(paths.StatusFile);
        if (st is not null && st.Running)
        {
            st.Running = false; st.State = "Crashed"; st.Uptime = TimeSpan.Zero;
            try { st.Write(paths.StatusFile); } catch (IOException) { }
        }
    }

    /// <summary>Takes the instance's exclusive monitor lock (var/run/hidsd.lock, flock); null when another monitor holds it.
    /// The kernel releases it when the process ends, so a crash never leaves the instance locked.</summary>
    public static FileStream? TryAcquireLock(InstancePaths paths)
    {
        Directory.CreateDirectory(paths.VarRun);
        try { return new FileStream(Path.Combine(paths.VarRun, "hidsd.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { return null; }
    }

    /// <summary>Writes the pid file atomically.</summary>
    public static void WritePidFile(InstancePaths paths, int pid)
    {
        AtomicFile.Write(paths.PidFile, pid + "\n");
    }

    public static void DeletePidFile(InstancePaths paths) => TryDelete(paths.PidFile);

    public static bool Signal(int pid, int signal) => UnixNative.SendSignal(pid, signal);
    public static bool Terminate(int pid) => UnixNative.SendSignal(pid, UnixNative.SIGTERM);
    public static bool Kill(int pid) => UnixNative.SendSignal(pid, UnixNative.SIGKILL);
    public static bool IsAlive(int pid) => UnixNative.ProcessExists(pid);

    /// <summary>Waits until the process is gone (or the timeout passes).</summary>
    public static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (!UnixNative.ProcessExists(pid)) return true;
            Thread.Sleep(100);
        }
        return !UnixNative.ProcessExists(pid);
    }

    public static long ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (Exception) { }
        return 0;
    }

    internal static void TryDelete(string path) { try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
}
