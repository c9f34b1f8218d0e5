using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

/// <summary>The result of starting hidsd.</summary>
public sealed class LaunchResult
{
    public bool Started { get; init; }
    public int Pid { get; init; }
    public int? ExitCode { get; init; }
    /// <summary>What hidsd printed before it detached (diagnostics when it refused to start).</summary>
    public string Output { get; init; } = "";
    public MonitorStatus? Status { get; init; }
    public bool TimedOut { get; init; }
}

/// <summary>Finds and starts hidsd as a detached daemon, and waits until it reports ready.</summary>
public static class MonitorLauncher
{
    /// <summary>The dotnet muxer that runs hidsd.dll: this process when it is the muxer (pwsh as a dotnet tool), else
    /// DOTNET_HOST_PATH, DOTNET_ROOT, PATH, the usual install folders.</summary>
    public static string? FindDotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileName(self) == "dotnet") return self;
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath)) return hostPath;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, "dotnet");
            if (File.Exists(p)) return p;
        }
        foreach (var p in new[] { "/usr/share/dotnet/dotnet", "/usr/lib/dotnet/dotnet", "/usr/local/share/dotnet/dotnet", "/opt/dotnet/dotnet" })
            if (File.Exists(p)) return p;
        return null;
    }

    /// <summary>True when this CPU runs what the Native AOT hidsd is compiled for: x86-64-v3 (AVX2, BMI1, BMI2, FMA,
    /// LZCNT, MOVBE, with the OS saving the AVX state).</summary>
    public static bool CpuRunsNativeHidsd()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64) return false;
        if (!(Avx2.IsSupported && Bmi1.IsSupported && Bmi2.IsSupported && Fma.IsSupported && Lzcnt.IsSupported)) return false;
        var (_, _, ecx, _) = X86Base.CpuId(1, 0);
        return (ecx & (1 << 22)) != 0;   // MOVBE
    }

    /// <summary>How to run hidsd from a module folder: the Native AOT executable <c>hidsd</c> ([hidsd]) where the CPU
    /// runs it, else the managed <c>hidsd.dll</c> the package ships beside it, through the dotnet host ([dotnet,
    /// hidsd.dll]); a development build has only the dll.</summary>
    public static string[] HidsdCommand(string moduleDir) => HidsdCommand(moduleDir, CpuRunsNativeHidsd());

    internal static string[] HidsdCommand(string moduleDir, bool cpuRunsNative)
    {
        var dll = Path.Combine(moduleDir, "hidsd.dll");
        var native = Path.Combine(moduleDir, "hidsd");
        bool haveNative = File.Exists(native) && new FileInfo(native).Length > 1_000_000;   // not a dotnet apphost
        if (haveNative && (cpuRunsNative || !File.Exists(dll))) return new[] { native };
        if (!File.Exists(dll))
            throw new FileNotFoundException($"Neither hidsd nor hidsd.dll is in the module folder '{moduleDir}'.", native);
        var host = FindDotnetHost() ?? throw new InvalidOperationException("The dotnet host was not found (set DOTNET_ROOT or put dotnet on PATH).");
        return new[] { host, dll };
    }

    /// <summary>The command line that runs hidsd for an instance: [hidsd, --instance, root] or [host, hidsd.dll, --instance, root].</summary>
    public static string[] CommandLine(string moduleDir, InstancePaths paths, bool foreground = false)
    {
        var list = new List<string>(HidsdCommand(moduleDir)) { "--instance", paths.Root };
        if (foreground) list.Add("--foreground");
        return list.ToArray();
    }

    /// <summary>Starts hidsd detached (its own session, stdio closed once it is up) and waits until its status file says
    /// Running with its pid, or it exits (configuration error, already running), or the timeout passes.</summary>
    public static LaunchResult Start(string moduleDir, InstancePaths paths, TimeSpan timeout)
    {
        var cmd = CommandLine(moduleDir, paths);
        var psi = new ProcessStartInfo(cmd[0])
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var a in cmd.Skip(1)) psi.ArgumentList.Add(a);
        // Footprint: workstation GC, no server heaps, conserve memory (also in hidsd.runtimeconfig.json).
        psi.Environment["DOTNET_gcServer"] = "0";
        psi.Environment["DOTNET_TieredPGO"] = "0";
        psi.Environment.Remove("NOTIFY_SOCKET");
        var output = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        var before = DateTimeOffset.Now;
        p.Start();
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (p.WaitForExit(200))
            {
                p.WaitForExit();
                lock (output) return new LaunchResult { Started = false, Pid = p.Id, ExitCode = p.ExitCode, Output = output.ToString().Trim() };
            }
            var st = MonitorStatus.Read(paths.StatusFile);
            if (st is not null && st.Pid == p.Id && st.State == "Running" && st.UpdatedAt >= before.AddSeconds(-1))
                lock (output) return new LaunchResult { Started = true, Pid = p.Id, Output = output.ToString().Trim(), Status = st };
        }
        lock (output) return new LaunchResult { Started = false, Pid = p.Id, TimedOut = true, Output = output.ToString().Trim() };
    }

    /// <summary>True when the instance's monitor lock is held (a monitor runs, possibly inside a pwsh -Foreground).</summary>
    public static bool IsLockHeld(InstancePaths paths)
    {
        var lockPath = Path.Combine(paths.VarRun, "hidsd.lock");
        if (!File.Exists(lockPath)) return false;
        try { using var fs = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None); return false; }
        catch (IOException) { return true; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
