namespace Hids.Engine.Analysis;

/// <summary>
/// One event on its way through analysis. Every source (log collector, command monitor, syscheck, rootcheck,
/// the monitor itself) produces these; only the rule engine decides whether an event becomes an alert.
/// Sources that already know the decoder (syscheck: syscheck_integrity_changed / syscheck_deleted /
/// syscheck_new_entry) set <see cref="DecoderName"/> and the rule engine skips pre-decoding and decoding.
/// </summary>
public sealed class LogEvent
{
    /// <summary>Where it came from: a file path, a command (or its alias), "syscheck", "rootcheck", "ossec-monitord".</summary>
    public string Location { get; set; } = "";
    /// <summary>The complete log as received (for syscheck: the formatted change report).</summary>
    public string FullLog { get; set; } = "";
    /// <summary>Arrival time; correlation windows use it, as OSSEC does.</summary>
    public DateTimeOffset ReceivedAt { get; set; } = DateTimeOffset.Now;
    /// <summary>localfile log_format (syslog, apache, command, full_command, ...); null means syslog.</summary>
    public string? LogFormat { get; set; }

    // ---- pre-decoding (syslog header) ----
    /// <summary>The message after the syslog header was removed.</summary>
    public string? Log
    {
        get
        {
            if (_log == null && _logSource != null) { _log = _logSource.Substring(_logStart); _logSource = null; }
            return _log;
        }
        set { _log = value; _logSource = null; }
    }

    private string? _log;
    private string? _logSource;
    private int _logStart;

    /// <summary>The message is <paramref name="source"/> from <paramref name="start"/> on; the string is only made
    /// when someone reads <see cref="Log"/> (the rule engine matches the span in place).</summary>
    internal void SetLogSuffix(string source, int start)
    {
        if (start == 0) { Log = source; return; }
        _log = null; _logSource = source; _logStart = start;
    }

    /// <summary>The message without materialising it: (source, start) with the message = source[start..].</summary>
    internal (string Source, int Start) LogSlice
    {
        get
        {
            if (_log == null && _logSource != null) return (_logSource, _logStart);
            return (_log ?? "", 0);
        }
    }
    public string? Hostname { get; set; }
    public string? ProgramName { get; set; }
    public string? LogTimestamp
    {
        get
        {
            if (_ts == null && _tsSource != null) { _ts = _tsSource[.._tsEnd]; _tsSource = null; }
            return _ts;
        }
        set { _ts = value; _tsSource = null; }
    }

    private string? _ts;
    private string? _tsSource;
    private int _tsEnd;

    /// <summary>The header timestamp is <paramref name="source"/>[..<paramref name="end"/>], made into a string when read.</summary>
    internal void SetTimestampPrefix(string source, int end)
    {
        _ts = null; _tsSource = source; _tsEnd = end;
    }

    // ---- decoding ----
    public string? DecoderName { get; set; }
    public string? DecoderParent { get; set; }
    public string? SrcIp { get; set; }
    public string? DstIp { get; set; }
    public string? SrcPort { get; set; }
    public string? DstPort { get; set; }
    public string? Protocol { get; set; }
    public string? Action { get; set; }
    public string? Id { get; set; }
    public string? Url { get; set; }
    public string? Data { get; set; }
    public string? ExtraData { get; set; }
    public string? Status { get; set; }
    public string? SystemName { get; set; }
    public string? User { get; set; }
    public string? DstUser { get; set; }

    /// <summary>For command monitoring (check_diff): the previous output, shown as "Previous output:".</summary>
    public string? PreviousOutput { get; set; }
    /// <summary>Set by the rule engine when it filled <see cref="DecoderName"/> itself, so that evaluating the same event
    /// again decodes it again instead of taking the name as given by a source.</summary>
    internal bool DecodedByEngine;
    /// <summary>Syscheck details when the event is a file change.</summary>
    public SyscheckDetails? Syscheck { get; set; }

    /// <summary>
    /// Called by the monitor once the event went through the rule engine and every alert output took its alert. The log
    /// collector uses it so that a read position is saved only for lines whose alerts are safe: a crash then re-reads
    /// lines still in the queue instead of losing their alerts.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Action? Processed { get; set; }
}

/// <summary>What syscheck knows about a changed file; carried into the alert.</summary>
public sealed class SyscheckDetails
{
    public string Path { get; set; } = "";
    /// <summary>Added, Modified, Deleted.</summary>
    public string Event { get; set; } = "";
    public long? SizeBefore { get; set; }
    public long? SizeAfter { get; set; }
    public string? PermBefore { get; set; }
    public string? PermAfter { get; set; }
    public string? UidBefore { get; set; }
    public string? UidAfter { get; set; }
    public string? GidBefore { get; set; }
    public string? GidAfter { get; set; }
    public string? OwnerBefore { get; set; }
    public string? OwnerAfter { get; set; }
    public string? GroupBefore { get; set; }
    public string? GroupAfter { get; set; }
    public string? Md5Before { get; set; }
    public string? Md5After { get; set; }
    public string? Sha1Before { get; set; }
    public string? Sha1After { get; set; }
    public string? Sha256Before { get; set; }
    public string? Sha256After { get; set; }
    public DateTimeOffset? MtimeBefore { get; set; }
    public DateTimeOffset? MtimeAfter { get; set; }
    public long? InodeBefore { get; set; }
    public long? InodeAfter { get; set; }
    /// <summary>The unified diff of a text file, or a note ("diff not stored: file too large", "binary file").</summary>
    public string? Diff { get; set; }
    public string[] ChangedAttributes { get; set; } = Array.Empty<string>();
}
