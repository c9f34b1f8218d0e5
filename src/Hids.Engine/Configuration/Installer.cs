using System.Reflection;
using Hids.Engine.Core;

namespace Hids.Engine.Configuration;

public enum InstallType { Local, Server, Agent }

/// <summary>What Install-Hids is asked to do.</summary>
public sealed class InstallOptions
{
    public string Path { get; set; } = InstancePaths.DefaultRoot;
    public InstallType Type { get; set; } = InstallType.Local;
    public string? EmailTo { get; set; }
    public string? SmtpServer { get; set; }
    /// <summary>Replace shipped files (rules/) that differ from the module's copy. Never touches etc/ossec.conf or etc/local_rules.xml.</summary>
    public bool Force { get; set; }
    /// <summary>The ruleset to copy; null = the module's own rules/ folder (<see cref="Installer.FindShippedRules"/>).</summary>
    public string? ShippedRulesPath { get; set; }
    /// <summary>Whether netstat exists (null = look for it); without it the listening-ports monitor uses ss.</summary>
    public bool? NetstatAvailable { get; set; }
    /// <summary>
    /// A new ossec.conf keeps active response inside the instance: host-deny writes the instance's own hosts.deny and
    /// firewall-drop is switched off (a trial, a demo, a benchmark: nothing on the host is blocked).
    /// </summary>
    public bool ContainActiveResponse { get; set; }
}

/// <summary>The outcome of an installation: every file and folder it created, replaced or left as it was.</summary>
public sealed class InstallResult
{
    public string Path { get; set; } = "";
    public string Type { get; set; } = "Local";
    public List<string> Created { get; set; } = new();
    public List<string> Updated { get; set; } = new();
    public List<string> Unchanged { get; set; } = new();
    /// <summary>Shipped files that differ from the module's copy and were kept because -Force was not given.</summary>
    public List<string> Skipped { get; set; } = new();
    public string ConfigurationFile { get; set; } = "";
    public string? ShippedRules { get; set; }
    public bool Changed => Created.Count + Updated.Count > 0;
}

/// <summary>The engine side of Install-Hids / Uninstall-Hids: OSSEC's install.sh in local mode, non-interactive and idempotent.</summary>
public static class Installer
{
    /// <summary>Locates the ruleset shipped with the module: &lt;moduleDir&gt;/rules beside the engine assembly, else the
    /// application folder, else (development) the repository's rules/ above it.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000",
        Justification = "An empty Location (the Native AOT hidsd) is skipped; the executable's folder comes next.")]
    public static string? FindShippedRules()
    {
        var starts = new List<string>();
        var asm = typeof(Installer).Assembly.Location;
        if (!string.IsNullOrEmpty(asm)) starts.Add(System.IO.Path.GetDirectoryName(asm)!);
        starts.Add(AppContext.BaseDirectory);
        foreach (var s in starts)
        {
            var candidate = System.IO.Path.Combine(s, "rules");
            if (Directory.Exists(candidate)) return candidate;
        }
        foreach (var s in starts)
        {
            for (var dir = new DirectoryInfo(s); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Hids.sln")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "rules")))
                    return System.IO.Path.Combine(dir.FullName, "rules");
        }
        return null;
    }

    public static bool NetstatPresent()
        => new[] { "/usr/bin/netstat", "/bin/netstat", "/usr/sbin/netstat", "/sbin/netstat" }.Any(File.Exists);

    /// <summary>Creates or upgrades an instance. Idempotent: a second run writes nothing.</summary>
    public static InstallResult Install(InstallOptions o)
    {
        if (o.Type != InstallType.Local)
            throw new NotSupportedException($"Install type '{o.Type}' is reserved for a later version; only Local is supported.");
        if (o.EmailTo is not null && !IsEmail(o.EmailTo))
            throw new ArgumentException($"'{o.EmailTo}' is not an e-mail address.", nameof(o.EmailTo));
        if (o.SmtpServer is not null && (o.SmtpServer.Length == 0 || o.SmtpServer.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or '&' or '@')))
            throw new ArgumentException($"'{o.SmtpServer}' is not a host name or address.", nameof(o.SmtpServer));

        var paths = new InstancePaths(o.Path);
        var r = new InstallResult { Path = paths.Root, Type = o.Type.ToString(), ConfigurationFile = paths.OssecConf };

        if (!Directory.Exists(paths.Root)) { Directory.CreateDirectory(paths.Root); r.Created.Add(paths.Root + "/"); }
        foreach (var d in paths.Folders)
        {
            if (Directory.Exists(d)) continue;
            Directory.CreateDirectory(d);
            // Logs hold auth.log lines and report_changes diffs of /etc files: not for every local user.
            if (!OperatingSystem.IsWindows() && (d == paths.Queue || d == paths.Etc || d == paths.VarRun || d == paths.Logs || d == paths.AlertsDir))
                File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            r.Created.Add(d + "/");
        }

        // The user's files: written once, never replaced (not even with -Force).
        const UnixFileMode confMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        WriteOnce(paths.OssecConf, () => DefaultConfiguration(paths, o.EmailTo, o.SmtpServer, o.NetstatAvailable ?? NetstatPresent(), o.ContainActiveResponse), confMode, r);
        WriteOnce(paths.LocalRules, () => DefaultLocalRules, confMode, r);
        WriteOnce(paths.InstanceMarker, () => "Hids instance. Uninstall-Hids removes only folders that hold this file.\n", confMode, r);

        // The shipped ruleset.
        var shipped = o.ShippedRulesPath ?? FindShippedRules();
        r.ShippedRules = shipped;
        if (shipped is not null && Directory.Exists(shipped))
        {
            var src = System.IO.Path.GetFullPath(shipped);
            foreach (var file in Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                var rel = System.IO.Path.GetRelativePath(src, file);
                var dest = System.IO.Path.Combine(paths.RulesDir, rel);
                var bytes = File.ReadAllBytes(file);
                if (!File.Exists(dest))
                {
                    AtomicFile.WriteIfChanged(dest, bytes, keepBackup: false, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                    r.Created.Add(dest);
                }
                else if (File.ReadAllBytes(dest).AsSpan().SequenceEqual(bytes)) r.Unchanged.Add(dest);
                else if (o.Force) { AtomicFile.WriteIfChanged(dest, bytes, keepBackup: false); r.Updated.Add(dest); }
                else r.Skipped.Add(dest);
            }
        }
        return r;
    }

    private static void WriteOnce(string path, Func<string> content, UnixFileMode mode, InstallResult r)
    {
        if (File.Exists(path)) { r.Unchanged.Add(path); return; }
        AtomicFile.WriteIfChanged(path, content(), keepBackup: false, mode);
        r.Created.Add(path);
    }

    /// <summary>Folders never removed, whatever they hold.</summary>
    private static readonly string[] Protected = { "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc",
        "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/var/lib", "/var/log", "/var/tmp", "/usr/local" };

    /// <summary>Why Uninstall-Hids must not remove this folder (null when it may): it is a system folder, a symbolic
    /// link, or not one Install-Hids made (no .hids-instance marker beside etc/ossec.conf).</summary>
    public static string? WhyNotRemovable(InstancePaths paths)
    {
        var root = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(paths.Root));
        if (root.Length == 0 || Protected.Contains(root, StringComparer.Ordinal))
            return $"'{paths.Root}' is a system folder; nothing was removed.";
        if (new DirectoryInfo(root).LinkTarget is not null)
            return $"'{paths.Root}' is a symbolic link; remove the instance at its target instead. Nothing was removed.";
        if (!File.Exists(paths.OssecConf))
            return $"'{paths.Root}' is not a Hids instance (no etc/ossec.conf); nothing was removed.";
        if (!File.Exists(paths.InstanceMarker))
            return $"'{paths.Root}' has no .hids-instance marker, so it was not made by Install-Hids; nothing was removed. " +
                "If it is an instance from an older Hids, run Install-Hids -Path on it once (it adds the marker and changes nothing else).";
        return null;
    }

    /// <summary>Removes an instance folder. Refuses (InvalidOperationException) when <see cref="WhyNotRemovable"/> says
    /// so or the monitor is running.</summary>
    public static void Uninstall(InstancePaths paths)
    {
        if (WhyNotRemovable(paths) is { } why) throw new InvalidOperationException(why);
        if (RunningMonitorPid(paths) is int pid)
            throw new InvalidOperationException($"The monitor of '{paths.Root}' is running (pid {pid}); stop it first (Stop-HidsMonitor).");
        Directory.Delete(paths.Root, recursive: true);
    }

    /// <summary>The pid in var/run/hidsd.pid when that process is alive, else null.</summary>
    public static int? RunningMonitorPid(InstancePaths paths)
    {
        try
        {
            if (!File.Exists(paths.PidFile)) return null;
            var text = File.ReadAllText(paths.PidFile).Trim();
            if (!int.TryParse(text, out var pid) || pid <= 0) return null;
            return Directory.Exists($"/proc/{pid}") ? pid : null;
        }
        catch (IOException) { return null; }
    }

    internal static bool IsEmail(string s) => System.Text.RegularExpressions.Regex.IsMatch(s, @"^[^@\s<>,;&""]+@[^@\s<>,;&""]+$");

    // OSSEC files carry values raw (no entity decoding); a '<' cannot be written at all.
    private static string X(string s) => s.Contains('<') ? throw new ArgumentException($"'{s}' contains '<', which ossec.conf cannot hold.") : s;

    /// <summary>The ossec.conf Install-Hids writes for a local instance.</summary>
    public static string DefaultConfiguration(InstancePaths paths, string? emailTo, string? smtpServer, bool netstatAvailable, bool containActiveResponse = false)
    {
        var contained = !containActiveResponse ? "" : $@"
  <hids>
    <!-- Install-Hids -ContainActiveResponse: active response stays inside this instance (its own hosts.deny, no
         firewall). Remove this section to let host-deny and firewall-drop protect the machine. -->
    <hosts_deny_path>{X(System.IO.Path.Combine(paths.Root, "hosts.deny"))}</hosts_deny_path>
    <firewall_backend>none</firewall_backend>
  </hids>
";
        var notify = emailTo is null ? "no" : "yes";
        var to = emailTo ?? "root@localhost";
        var smtp = smtpServer ?? "localhost";
        var listening = netstatAvailable
            ? "    <command>netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort</command>\n"
            : "    <command>ss -ltn |grep LISTEN |grep -v 127.0.0.1 | sort</command>\n    <!-- netstat is not installed: ss lists the same sockets; the alias keeps rule 533 working. -->\n    <alias>netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort</alias>\n";
        return $@"<!-- Hids configuration (OSSEC-compatible ossec.conf), written by Install-Hids.
     Edit it by hand or with the Hids cmdlets (Set-HidsEmail, Add-HidsDirectory, ...), which keep your comments.
     Check it with Test-HidsConfiguration. Hids-only settings live in the <hids> section. -->

<ossec_config>
  <global>
    <email_notification>{notify}</email_notification>
    <email_to>{X(to)}</email_to>
    <smtp_server>{X(smtp)}</smtp_server>
    <email_from>hids@{X(Environment.MachineName.ToLowerInvariant())}</email_from>
    <email_maxperhour>12</email_maxperhour>
    <white_list>127.0.0.1</white_list>
    <white_list>::1</white_list>
  </global>

  <alerts>
    <log_alert_level>1</log_alert_level>
    <email_alert_level>7</email_alert_level>
  </alerts>

  <rules>
    <include>rules_config.xml</include>
    <include>syslog_rules.xml</include>
    <include>pam_rules.xml</include>
    <include>sshd_rules.xml</include>
    <include>dpkg_rules.xml</include>
    <include>web_rules.xml</include>
    <include>apache_rules.xml</include>
    <include>nginx_rules.xml</include>
    <include>ossec_rules.xml</include>
    <include>local_rules.xml</include>
  </rules>

  <syscheck>
    <!-- Seconds between full integrity scans (79200 = 22 hours). -->
    <frequency>79200</frequency>
    <scan_on_start>yes</scan_on_start>
    <alert_new_files>no</alert_new_files>

    <!-- Directories to check (every attribute: hashes, size, owner, group, permissions). -->
    <directories check_all=""yes"">/etc,/usr/bin,/usr/sbin</directories>
    <directories check_all=""yes"">/bin,/sbin</directories>

    <!-- Files and directories that change by themselves. -->
    <ignore>/etc/mtab</ignore>
    <ignore>/etc/mnttab</ignore>
    <ignore>/etc/hosts.deny</ignore>
    <ignore>/etc/mail/statistics</ignore>
    <ignore>/etc/random-seed</ignore>
    <ignore>/etc/adjtime</ignore>
    <ignore>/etc/httpd/logs</ignore>
    <ignore>/etc/utmpx</ignore>
    <ignore>/etc/wtmpx</ignore>
    <ignore>/etc/cups/certs</ignore>
    <ignore>/etc/dumpdates</ignore>
    <ignore>/etc/svc/volatile</ignore>

    <!-- This instance's own working folders. -->
    <ignore>{X(paths.Logs)}</ignore>
    <ignore>{X(paths.Queue)}</ignore>
    <ignore>{X(System.IO.Path.Combine(paths.Root, "var"))}</ignore>
    <ignore>{X(paths.Tmp)}</ignore>

    <!-- Checked, but no copy and no diff is ever kept of these (secrets). -->
    <nodiff>/etc/shadow</nodiff>
    <nodiff>/etc/gshadow</nodiff>
    <nodiff type=""sregex"">\.key$|\.pem$</nodiff>
  </syscheck>

  <rootcheck>
    <rootkit_files>{X(System.IO.Path.Combine(paths.RulesDir, "rootcheck", "rootkit_files.txt"))}</rootkit_files>
    <rootkit_trojans>{X(System.IO.Path.Combine(paths.RulesDir, "rootcheck", "rootkit_trojans.txt"))}</rootkit_trojans>
  </rootcheck>

  <!-- Log files to analyse. -->
  <localfile>
    <log_format>syslog</log_format>
    <location>/var/log/auth.log</location>
  </localfile>

  <localfile>
    <log_format>syslog</log_format>
    <location>/var/log/syslog</location>
  </localfile>

  <localfile>
    <log_format>syslog</log_format>
    <location>/var/log/dpkg.log</location>
  </localfile>

  <localfile>
    <log_format>syslog</log_format>
    <location>/var/log/kern.log</location>
  </localfile>

  <localfile>
    <log_format>apache</log_format>
    <location>/var/log/nginx/access.log</location>
  </localfile>

  <localfile>
    <log_format>syslog</log_format>
    <location>/var/log/nginx/error.log</location>
  </localfile>

  <localfile>
    <log_format>apache</log_format>
    <location>/var/log/apache2/access.log</location>
  </localfile>

  <localfile>
    <log_format>apache</log_format>
    <location>/var/log/apache2/error.log</location>
  </localfile>

  <!-- Command monitoring: disk usage, and listening ports (alerts when a port opens or closes). -->
  <localfile>
    <log_format>command</log_format>
    <command>df -P</command>
  </localfile>

  <localfile>
    <log_format>full_command</log_format>
{listening}  </localfile>

  <!-- Active response commands and when they run. -->
  <command>
    <name>host-deny</name>
    <executable>host-deny.sh</executable>
    <expect>srcip</expect>
    <timeout_allowed>yes</timeout_allowed>
  </command>

  <command>
    <name>firewall-drop</name>
    <executable>firewall-drop.sh</executable>
    <expect>srcip</expect>
    <timeout_allowed>yes</timeout_allowed>
  </command>

  <active-response>
    <!-- Block the source address in hosts.deny for 600 seconds on alerts of level 6 or more. -->
    <command>host-deny</command>
    <location>local</location>
    <level>6</level>
    <timeout>600</timeout>
  </active-response>

  <active-response>
    <!-- Drop the source address in the firewall for 600 seconds on alerts of level 6 or more. -->
    <command>firewall-drop</command>
    <location>local</location>
    <level>6</level>
    <timeout>600</timeout>
  </active-response>
{contained}</ossec_config>
";
    }

    /// <summary>The "empty" etc/local_rules.xml: one group for the user's own rules.</summary>
    public const string DefaultLocalRules = @"<!-- Local rules: your own rules and overrides of shipped ones (overwrite=""yes"").
     This file is yours: Install-Hids -Force never replaces it. Use ids 100000-119999 for new rules. -->

<group name=""local,syslog,"">

  <!-- Put your rules here. To change a shipped rule, copy it here with overwrite=""yes"" and your changes,
       e.g. rule 554 (new file) at level 7 to be mailed about new files: Set-HidsRule -Id 554 -Level 7. -->

</group> <!-- SYSLOG,LOCAL -->
";
}
