namespace Hids.Engine.Rootcheck;

/// <summary>The rootcheck checks. Names follow ossec.conf's check_* switches (check_if = Interfaces).</summary>
public enum RootcheckCheck
{
    /// <summary>Known rootkit files and directories (rootkit_files database; check_files).</summary>
    Files,
    /// <summary>Trojaned system binaries (rootkit_trojans database; check_trojans).</summary>
    Trojans,
    /// <summary>Non-device files in /dev (check_dev).</summary>
    Dev,
    /// <summary>World-writable files, unexpected set-uid/set-gid files and files owned by no user in system folders (check_sys).</summary>
    Sys,
    /// <summary>Processes alive but hidden from the /proc listing (check_pids).</summary>
    Pids,
    /// <summary>Ports in use but not listed in /proc/net (check_ports).</summary>
    Ports,
    /// <summary>Network interfaces in promiscuous mode (check_if).</summary>
    Interfaces,
}

/// <summary>How bad a finding is, as a hint; the rules decide the alert level (rootkit/trojan/hidden = High,
/// /dev and promiscuous = Medium, world-writable/set-uid/unowned = Low).</summary>
public enum RootcheckSeverity
{
    Low,
    Medium,
    High,
}

/// <summary>One thing rootcheck found. Plain properties: survives remoting and ConvertTo-Json.</summary>
public sealed class RootcheckFinding
{
    public RootcheckCheck Check { get; init; }
    public RootcheckSeverity Severity { get; init; }
    /// <summary>The file or folder concerned, as seen inside the checked root (null for pids, ports, interfaces).</summary>
    public string? Path { get; init; }
    public int? Pid { get; init; }
    public int? Port { get; init; }
    /// <summary>tcp or udp, for port findings.</summary>
    public string? Protocol { get; init; }
    /// <summary>Network interface, for promiscuous-mode findings.</summary>
    public string? Interface { get; init; }
    /// <summary>The rootkit's name or the trojan signature (null for anomalies).</summary>
    public string? Name { get; init; }
    /// <summary>What was seen, in a few words (mode, owner, signature, probe results...).</summary>
    public string Evidence { get; init; } = "";
    /// <summary>What to do next.</summary>
    public string Recommendation { get; init; } = "";
    /// <summary>The event text, in OSSEC's rootcheck wording (what the rules match on).</summary>
    public string Message { get; init; } = "";
    public DateTimeOffset DetectedAt { get; init; } = DateTimeOffset.Now;

    public override string ToString() => Message;
}

/// <summary>Progress of a run: which check, how far (0–100), what is being looked at.</summary>
public sealed class RootcheckProgress
{
    public RootcheckCheck Check { get; init; }
    public int CheckIndex { get; init; }
    public int CheckCount { get; init; }
    public int PercentComplete { get; init; }
    public string? Current { get; init; }
}
