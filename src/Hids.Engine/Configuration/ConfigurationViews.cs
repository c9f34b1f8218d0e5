using Hids.Engine.Core;

namespace Hids.Engine.Configuration;

// Flat, sealed output objects of the configuration cmdlets. Each carries the instance it came from so that
// `Get-HidsDirectory | Remove-HidsDirectory` binds -Instance and -Path by property name.

/// <summary>One monitored directory (one path of a &lt;directories&gt; element) with its options.</summary>
public sealed class HidsDirectory
{
    public string Instance { get; set; } = "";
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
    public bool NoRecurse { get; set; }
    public string? Restrict { get; set; }
    public int? RecursionLevel { get; set; }
    /// <summary>The options as written in ossec.conf, e.g. report_changes="yes" realtime="yes" check_all="yes".</summary>
    public string Options { get; set; } = "";
    public int Line { get; set; }

    public static HidsDirectory From(string instance, DirectoryOptions d) => new()
    {
        Instance = instance, Path = d.Path, CheckAll = d.CheckAll, CheckSum = d.CheckSum, CheckSha1Sum = d.CheckSha1Sum,
        CheckMd5Sum = d.CheckMd5Sum, CheckSha256Sum = d.CheckSha256Sum, CheckSize = d.CheckSize, CheckOwner = d.CheckOwner,
        CheckGroup = d.CheckGroup, CheckPerm = d.CheckPerm, CheckMtime = d.CheckMtime, CheckInode = d.CheckInode,
        Realtime = d.Realtime, ReportChanges = d.ReportChanges, NoRecurse = d.NoRecurse, Restrict = d.Restrict,
        RecursionLevel = d.RecursionLevel, Options = DirectoryAttributes.Describe(d), Line = d.Source?.Line ?? 0,
    };
}

/// <summary>One &lt;ignore&gt; (or &lt;nodiff&gt;) entry of syscheck.</summary>
public sealed class HidsIgnore
{
    public string Instance { get; set; } = "";
    public string Path { get; set; } = "";
    /// <summary>"Path" for a plain path prefix, "Sregex" for an OSSEC match expression.</summary>
    public string Type { get; set; } = "Path";
    /// <summary>ignore or nodiff.</summary>
    public string Kind { get; set; } = "ignore";
    public int Line { get; set; }

    public static HidsIgnore From(string instance, IgnoreEntry e, string kind) => new()
    { Instance = instance, Path = e.Value, Type = e.Type is null ? "Path" : "Sregex", Kind = kind, Line = e.Source?.Line ?? 0 };
}

/// <summary>A monitored log file or command (&lt;localfile&gt;).</summary>
public sealed class HidsLogFile
{
    public string Instance { get; set; } = "";
    public string LogFormat { get; set; } = "syslog";
    /// <summary>The log file (null for command monitors).</summary>
    public string? Path { get; set; }
    public string? Command { get; set; }
    public int? Frequency { get; set; }
    public string? Alias { get; set; }
    /// <summary>The location alerts name: alias, command or path.</summary>
    public string Key { get; set; } = "";
    public int Line { get; set; }

    public static HidsLogFile From(string instance, LocalFileOptions l)
    {
        bool cmd = l.LogFormat is "command" or "full_command";
        return new HidsLogFile
        {
            Instance = instance, LogFormat = l.LogFormat, Path = l.Location, Command = l.Command,
            Frequency = cmd ? l.Frequency : null, Alias = l.Alias, Key = l.Key, Line = l.Source?.Line ?? 0,
        };
    }
}

/// <summary>An &lt;active-response&gt; block.</summary>
public sealed class HidsActiveResponse
{
    public string Instance { get; set; } = "";
    public string Command { get; set; } = "";
    public string Location { get; set; } = "local";
    public int? Level { get; set; }
    public int? Timeout { get; set; }
    public int[] RulesId { get; set; } = Array.Empty<int>();
    public string[] RulesGroup { get; set; } = Array.Empty<string>();
    public int[] RepeatedOffenders { get; set; } = Array.Empty<int>();
    public bool Disabled { get; set; }
    /// <summary>Whether a &lt;command&gt; with this name is defined (else a built-in one is used, or it is an error).</summary>
    public bool CommandDefined { get; set; }
    public int Line { get; set; }

    public static HidsActiveResponse From(string instance, ActiveResponseOptions a, HidsConfiguration c) => new()
    {
        Instance = instance, Command = a.Command, Location = a.Location, Level = a.Level, Timeout = a.Timeout,
        RulesId = a.RulesId.ToArray(), RulesGroup = a.RulesGroup.ToArray(), RepeatedOffenders = a.RepeatedOffenders.ToArray(),
        Disabled = a.Disabled, CommandDefined = c.Commands.Any(x => x.Name == a.Command), Line = a.Source?.Line ?? 0,
    };
}

/// <summary>The e-mail settings (global + alerts + the &lt;hids&gt; SMTP extensions).</summary>
public sealed class HidsEmailSettings
{
    public string Instance { get; set; } = "";
    public bool Notification { get; set; }
    public string[] To { get; set; } = Array.Empty<string>();
    public string? From { get; set; }
    public string? SmtpServer { get; set; }
    public int SmtpPort { get; set; }
    public string SmtpSecurity { get; set; } = "none";
    public string? SmtpUser { get; set; }
    public string? SmtpPasswordFile { get; set; }
    public string? SmtpCaFile { get; set; }
    public string? SmtpCertFingerprint { get; set; }
    public int AlertLevel { get; set; }
    public int MaxPerHour { get; set; }

    public static HidsEmailSettings Create(string instance, HidsConfiguration c) => new()
    {
        Instance = instance, Notification = c.Global.EmailNotification, To = c.Global.EmailTo.ToArray(), From = c.Global.EmailFrom,
        SmtpServer = c.Global.SmtpServer, SmtpPort = c.Global.SmtpPort, SmtpSecurity = c.Global.SmtpSecurity,
        SmtpUser = c.Global.SmtpUser, SmtpPasswordFile = c.Global.SmtpPasswordFile, SmtpCaFile = c.Global.SmtpCaFile,
        SmtpCertFingerprint = c.Global.SmtpCertFingerprint,
        AlertLevel = c.Alerts.EmailAlertLevel, MaxPerHour = c.Global.EmailMaxPerHour,
    };
}

/// <summary>The scalar syscheck settings (directories and ignores have their own cmdlets).</summary>
public sealed class HidsSyscheckSettings
{
    public string Instance { get; set; } = "";
    public int Frequency { get; set; }
    public bool AlertNewFiles { get; set; }
    public bool ScanOnStart { get; set; }
    public bool AutoIgnore { get; set; }
    public bool Disabled { get; set; }
    public int Directories { get; set; }
    public int Ignores { get; set; }

    public static HidsSyscheckSettings From(string instance, HidsConfiguration c) => new()
    {
        Instance = instance, Frequency = c.Syscheck.Frequency, AlertNewFiles = c.Syscheck.AlertNewFiles, ScanOnStart = c.Syscheck.ScanOnStart,
        AutoIgnore = c.Syscheck.AutoIgnore, Disabled = c.Syscheck.Disabled, Directories = c.Syscheck.Directories.Count, Ignores = c.Syscheck.Ignore.Count,
    };
}
