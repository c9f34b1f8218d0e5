using System.Diagnostics;
using System.Text;
using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

/// <summary>What Install-Hids -Service reports about the unit it wrote.</summary>
public sealed class ServiceInstallResult
{
    public string UnitPath { get; set; } = "";
    public string UnitName { get; set; } = "";
    public bool Written { get; set; }
    public bool Changed { get; set; }
    public bool SystemdRunning { get; set; }
    public bool Enabled { get; set; }
    public string? Message { get; set; }
}

/// <summary>
/// The systemd unit for an instance's monitor: Type=notify (hidsd sends READY=1 on $NOTIFY_SOCKET once every part
/// runs), Restart=on-failure, and hardening that still lets it read what it monitors (CAP_DAC_READ_SEARCH, the whole
/// file system readable) and write only its instance (plus /etc/hosts.deny for host-deny, CAP_NET_ADMIN for firewall-drop).
/// </summary>
public static class SystemdUnit
{
    public const string DefaultUnitPath = "/etc/systemd/system/hids.service";

    /// <param name="hidsd">How to run hidsd (MonitorLauncher.HidsdCommand): the native executable, or the dotnet host and hidsd.dll.</param>
    public static string Render(InstancePaths paths, IReadOnlyList<string> hidsd)
    {
        string Q(string s)
        {
            if (s.IndexOfAny(new[] { '\n', '\r', '"', '\\' }) >= 0) throw new ArgumentException($"The path '{s}' cannot be written into a systemd unit.");
            return "\"" + s.Replace("%", "%%") + "\"";
        }
        var sb = new StringBuilder();
        sb.Append("# Written by Install-Hids -Service. Changes are overwritten by the next Install-Hids -Service -Force.\n");
        sb.Append("[Unit]\n");
        sb.Append($"Description=Hids host-based intrusion detection monitor ({paths.Root.Replace("%", "%%")})\n");
        sb.Append("After=network-online.target local-fs.target\n");
        sb.Append("Wants=network-online.target\n\n");
        sb.Append("[Service]\n");
        sb.Append("Type=notify\n");
        sb.Append("NotifyAccess=main\n");
        sb.Append($"ExecStart={string.Join(" ", hidsd.Select(Q))} --instance {Q(paths.Root)} --foreground\n");
        sb.Append("KillSignal=SIGTERM\n");
        sb.Append("TimeoutStartSec=120\n");
        sb.Append("TimeoutStopSec=45\n");
        sb.Append("Restart=on-failure\n");
        sb.Append("RestartSec=5\n");
        sb.Append($"Environment={Q("HIDS_HOME=" + paths.Root)}\n");
        sb.Append("Environment=DOTNET_gcServer=0 DOTNET_TieredPGO=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1\n");
        sb.Append("# Hardening: read everything it monitors, write only its instance.\n");
        sb.Append("NoNewPrivileges=yes\n");
        sb.Append("PrivateTmp=yes\n");
        sb.Append("ProtectSystem=full\n");
        sb.Append("ProtectHome=read-only\n");
        sb.Append($"ReadWritePaths={Q(paths.Root)} -/etc/hosts.deny\n");
        sb.Append("ProtectKernelModules=yes\n");
        sb.Append("ProtectControlGroups=yes\n");
        sb.Append("ProtectClock=yes\n");
        sb.Append("RestrictSUIDSGID=yes\n");
        sb.Append("RestrictRealtime=yes\n");
        sb.Append("LockPersonality=yes\n");
        sb.Append("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n");
        sb.Append("CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_DAC_OVERRIDE CAP_NET_ADMIN CAP_NET_RAW CAP_CHOWN CAP_FOWNER CAP_KILL\n");
        sb.Append("UMask=0027\n\n");
        sb.Append("[Install]\n");
        sb.Append("WantedBy=multi-user.target\n");
        return sb.ToString();
    }

    /// <summary>True when systemd manages this machine (PID 1 is systemd).</summary>
    public static bool IsSystemdRunning()
    {
        try
        {
            if (Directory.Exists("/run/systemd/system")) return true;
            return File.ReadAllText("/proc/1/comm").Trim() == "systemd";
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>Writes the unit (atomically; unchanged content is not rewritten) and, where systemd runs and the unit
    /// is in a systemd folder, runs systemctl daemon-reload and enable.</summary>
    public static ServiceInstallResult Install(InstancePaths paths, string moduleDir, string? unitPath = null, bool enable = true)
    {
        unitPath ??= DefaultUnitPath;
        var text = Render(paths, MonitorLauncher.HidsdCommand(moduleDir));
        var r = new ServiceInstallResult { UnitPath = unitPath, UnitName = Path.GetFileName(unitPath), SystemdRunning = IsSystemdRunning() };
        r.Changed = AtomicFile.WriteIfChanged(unitPath, text, keepBackup: false,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        r.Written = true;
        bool inSystemdDir = unitPath.StartsWith("/etc/systemd/system/", StringComparison.Ordinal) || unitPath.StartsWith("/lib/systemd/system/", StringComparison.Ordinal);
        if (enable && r.SystemdRunning && inSystemdDir)
        {
            var reload = Run("systemctl", "daemon-reload");
            var en = Run("systemctl", "enable", r.UnitName);
            r.Enabled = en.code == 0;
            r.Message = r.Enabled ? $"Enabled {r.UnitName}; start it with: systemctl start {r.UnitName}" : $"systemctl enable failed: {en.output}{reload.output}";
        }
        else r.Message = r.SystemdRunning ? "Unit written (not in a systemd folder; not enabled)." : "Unit written; systemd is not running here, so it was not enabled.";
        return r;
    }

    /// <summary>Runs systemd-analyze verify on a unit file when the tool exists; null when it does not.</summary>
    public static (int code, string output)? Verify(string unitPath)
        => File.Exists("/usr/bin/systemd-analyze") || File.Exists("/bin/systemd-analyze") ? Run("systemd-analyze", "verify", unitPath) : null;

    private static (int code, string output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var o = p.StandardOutput.ReadToEndAsync();
            var e = p.StandardError.ReadToEnd();
            p.WaitForExit(30000);
            return (p.HasExited ? p.ExitCode : -1, o.Result + e);
        }
        catch (System.ComponentModel.Win32Exception ex) { return (-1, ex.Message); }
    }
}
