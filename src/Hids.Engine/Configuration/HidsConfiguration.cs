using Hids.Engine.Xml;

namespace Hids.Engine.Configuration;

// The typed model of an OSSEC-compatible ossec.conf. Plain sealed classes with public properties so that
// PowerShell formats them, ConvertTo-Json keeps every field and remoting round-trips them.

public sealed class HidsConfiguration
{
    /// <summary>The file(s) this model was read from.</summary>
    public string SourceFile { get; set; } = "";
    public GlobalOptions Global { get; set; } = new();
    public AlertsOptions Alerts { get; set; } = new();
    public List<EmailAlertOptions> EmailAlerts { get; set; } = new();
    public SyscheckOptions Syscheck { get; set; } = new();
    public RootcheckOptions Rootcheck { get; set; } = new();
    public List<LocalFileOptions> LocalFiles { get; set; } = new();
    public List<CommandOptions> Commands { get; set; } = new();
    public List<ActiveResponseOptions> ActiveResponses { get; set; } = new();
    public RulesOptions Rules { get; set; } = new();
    public List<SyslogOutputOptions> SyslogOutputs { get; set; } = new();
    /// <summary>Hids extensions kept in their own element (&lt;hids&gt;) so that OSSEC tools ignore them.</summary>
    public HidsOptions Hids { get; set; } = new();
}

public sealed class GlobalOptions
{
    public bool EmailNotification { get; set; }
    public List<string> EmailTo { get; set; } = new();
    public string? EmailFrom { get; set; }
    public string? SmtpServer { get; set; }
    public int SmtpPort { get; set; } = 25;
    /// <summary>none | starttls | tls (Hids extension; OSSEC speaks plain SMTP).</summary>
    public string SmtpSecurity { get; set; } = "none";
    public string? SmtpUser { get; set; }
    public string? SmtpPasswordFile { get; set; }
    /// <summary>PEM file of CA (or server) certificates trusted for the SMTP server in addition to the system store (Hids extension).</summary>
    public string? SmtpCaFile { get; set; }
    /// <summary>SHA-256 fingerprint the SMTP server's certificate must have (Hids extension; pins it).</summary>
    public string? SmtpCertFingerprint { get; set; }
    public int EmailMaxPerHour { get; set; } = 12;
    public string? EmailIdsName { get; set; }
    public List<string> WhiteList { get; set; } = new();
    public bool LogAll { get; set; }
    public bool LogAllJson { get; set; }
    public bool JsonOutput { get; set; } = true;
    public bool AlertsLog { get; set; } = true;
    public int MemorySize { get; set; } = 8192;
    public bool StatsEnabled { get; set; }
    /// <summary>Days alerts are kept in the alert store (Hids extension; 0 = forever).</summary>
    public int AlertRetentionDays { get; set; } = 90;
    public string? HostsDenyPath { get; set; }
}

public sealed class AlertsOptions
{
    public int LogAlertLevel { get; set; } = 1;
    public int EmailAlertLevel { get; set; } = 7;
    public bool UseGeoip { get; set; }
}

public sealed class EmailAlertOptions
{
    public List<string> EmailTo { get; set; } = new();
    public int? Level { get; set; }
    public List<string> Group { get; set; } = new();
    public List<int> RuleIds { get; set; } = new();
    public List<string> EventLocation { get; set; } = new();
    /// <summary>Set by &lt;do_not_delay/&gt; &lt;do_not_group/&gt; (and by those words in &lt;format&gt;).</summary>
    public bool DoNotDelay { get; set; }
    public bool DoNotGroup { get; set; }
    /// <summary>&lt;format&gt;: "full" (default) or "sms" (short subject and body for SMS gateways, one alert per mail).</summary>
    public string? Format { get; set; }
    public bool IsSms => string.Equals(Format?.Trim(), "sms", StringComparison.OrdinalIgnoreCase);
}

public sealed class SyscheckOptions
{
    public bool Disabled { get; set; }
    public int Frequency { get; set; } = 79200;
    public bool ScanOnStart { get; set; } = true;
    public bool AlertNewFiles { get; set; }
    public bool AutoIgnore { get; set; }
    public string? ScanTime { get; set; }
    public string? ScanDay { get; set; }
    public List<DirectoryOptions> Directories { get; set; } = new();
    public List<IgnoreEntry> Ignore { get; set; } = new();
    public List<IgnoreEntry> NoDiff { get; set; } = new();
    public bool SkipNfs { get; set; } = true;
    /// <summary>Largest file whose copy is kept for report_changes diffs, in bytes (Hids extension).</summary>
    public long DiffSizeLimit { get; set; } = 1024 * 1024;
    /// <summary>Hash worker threads (0 = number of cores, capped at 4).</summary>
    public int Workers { get; set; }
}

/// <summary>One path of a &lt;directories&gt; element (the element's comma-separated list is split into entries).</summary>
public sealed class DirectoryOptions
{
    public string Path { get; set; } = "";
    public bool CheckAll { get; set; }
    public bool CheckSum { get; set; }
    public bool CheckSha1Sum { get; set; }
    public bool CheckMd5Sum { get; set; }
    public bool CheckSha256Sum { get; set; }
    public bool CheckSize { get; set; }
    public bool CheckOwner { get; set; }
    public bool CheckGroup { get; set; }
    public bool CheckPerm { get; set; }
    public bool CheckMtime { get; set; }
    public bool CheckInode { get; set; }
    public bool Realtime { get; set; }
    public bool ReportChanges { get; set; }
    public string? Restrict { get; set; }
    public bool NoRecurse { get; set; }
    public int? RecursionLevel { get; set; }
    public SourcePositionInfo? Source { get; set; }

    // Effective checks (check_all implies every check).
    public bool EffMd5 => CheckAll || CheckSum || CheckMd5Sum;
    public bool EffSha1 => CheckAll || CheckSum || CheckSha1Sum;
    public bool EffSha256 => CheckAll || CheckSha256Sum;
    public bool EffSize => CheckAll || CheckSize;
    public bool EffOwner => CheckAll || CheckOwner;
    public bool EffGroup => CheckAll || CheckGroup;
    public bool EffPerm => CheckAll || CheckPerm;
    public bool EffMtime => CheckAll || CheckMtime;
    public bool EffInode => CheckAll || CheckInode;
}

public sealed class IgnoreEntry
{
    public string Value { get; set; } = "";
    /// <summary>null for a plain prefix/path, "sregex" for an OSSEC os_match expression.</summary>
    public string? Type { get; set; }
    public SourcePositionInfo? Source { get; set; }
}

public sealed class RootcheckOptions
{
    public bool Disabled { get; set; }
    public int Frequency { get; set; } = 79200;
    public string? RootkitFiles { get; set; }
    public string? RootkitTrojans { get; set; }
    public List<string> SystemAudit { get; set; } = new();
    public bool CheckFiles { get; set; } = true;
    public bool CheckTrojans { get; set; } = true;
    public bool CheckDev { get; set; } = true;
    public bool CheckSys { get; set; } = true;
    public bool CheckPids { get; set; } = true;
    public bool CheckPorts { get; set; } = true;
    public bool CheckIf { get; set; } = true;
    public bool CheckUnixAudit { get; set; }
    public bool ScanAll { get; set; }
    public bool SkipNfs { get; set; } = true;
    public List<IgnoreEntry> Ignore { get; set; } = new();
    /// <summary>Base path prefixed to every checked path (Hids extension, for tests and chroots).</summary>
    public string? BasePath { get; set; }
}

public sealed class LocalFileOptions
{
    public string LogFormat { get; set; } = "syslog";
    public string? Location { get; set; }
    public string? Command { get; set; }
    public int Frequency { get; set; } = 360;
    public string? Alias { get; set; }
    public bool OnlyFutureEvents { get; set; } = true;
    public SourcePositionInfo? Source { get; set; }
    /// <summary>The key an event's location takes: alias, command or file path.</summary>
    public string Key => Alias ?? Command ?? Location ?? "";
}

public sealed class CommandOptions
{
    public string Name { get; set; } = "";
    public string Executable { get; set; } = "";
    public string? Expect { get; set; }
    public bool TimeoutAllowed { get; set; }
    public List<string> ExtraArgs { get; set; } = new();
    public SourcePositionInfo? Source { get; set; }
}

public sealed class ActiveResponseOptions
{
    public bool Disabled { get; set; }
    public string Command { get; set; } = "";
    public string Location { get; set; } = "local";
    public string? AgentId { get; set; }
    public int? Level { get; set; }
    public List<int> RulesId { get; set; } = new();
    public List<string> RulesGroup { get; set; } = new();
    public int? Timeout { get; set; }
    /// <summary>repeated_offenders: escalated timeouts in minutes for the 2nd, 3rd, ... block of one address.</summary>
    public List<int> RepeatedOffenders { get; set; } = new();
    public SourcePositionInfo? Source { get; set; }
}

public sealed class RulesOptions
{
    public List<string> Include { get; set; } = new();
    public List<string> RuleDir { get; set; } = new();
    public List<string> Decoder { get; set; } = new();
    public List<string> DecoderDir { get; set; } = new();
    public List<string> Exclude { get; set; } = new();
    public List<string> List { get; set; } = new();
}

public sealed class SyslogOutputOptions
{
    public string Server { get; set; } = "";
    public int Port { get; set; } = 514;
    /// <summary>udp (default) or tcp (Hids extension).</summary>
    public string Protocol { get; set; } = "udp";
    public int? Level { get; set; }
    public List<string> Group { get; set; } = new();
    public List<int> RuleIds { get; set; } = new();
    public string? Location { get; set; }
    public string Format { get; set; } = "default";
    public SourcePositionInfo? Source { get; set; }
}

public sealed class HidsOptions
{
    /// <summary>Resident memory the monitor tries to stay under (MB); informational.</summary>
    public int MaxLineLength { get; set; } = 65536;
    public int OperationalLogMaxBytes { get; set; } = 10 * 1024 * 1024;
    public string FirewallBackend { get; set; } = "auto";
    public string? HostsDenyPath { get; set; }
    public string? NftTable { get; set; }
    /// <summary>
    /// Active response: the window (minutes) in which earlier blocks of an address count as offences for
    /// repeated_offenders escalation (Hids extension, &lt;hids&gt;&lt;offence_window&gt;; default one day).
    /// </summary>
    public int OffenceWindowMinutes { get; set; } = 1440;
}

/// <summary>Where in the configuration an entry came from.</summary>
public sealed record SourcePositionInfo(string File, int Line, int Column)
{
    public static SourcePositionInfo From(SourcePosition p) => new(p.File, p.Line, p.Column);
    public override string ToString() => $"{File}:{Line}:{Column}";
}
