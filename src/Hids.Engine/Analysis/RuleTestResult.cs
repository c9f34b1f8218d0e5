namespace Hids.Engine.Analysis;

/// <summary>What ossec-logtest shows for one line: the pre-decoded header, the decoder and its fields, the rule.</summary>
public sealed class RuleTestResult
{
    public string LogLine { get; set; } = "";
    public string Location { get; set; } = "";
    // phase 1: pre-decoding
    public string? Timestamp { get; set; }
    public string? Hostname { get; set; }
    public string? ProgramName { get; set; }
    public string? Log { get; set; }
    // phase 2: decoding
    public string? Decoder { get; set; }
    public string? DecoderParent { get; set; }
    public string? SrcIp { get; set; }
    public string? DstIp { get; set; }
    public string? SrcPort { get; set; }
    public string? DstPort { get; set; }
    public string? Protocol { get; set; }
    public string? Action { get; set; }
    public string? SrcUser { get; set; }
    public string? DstUser { get; set; }
    public string? User { get; set; }
    public string? EventId { get; set; }
    public string? Url { get; set; }
    public string? Data { get; set; }
    public string? Status { get; set; }
    public string? SystemName { get; set; }
    // phase 3: rule
    public int? RuleId { get; set; }
    public int? Level { get; set; }
    public string? Description { get; set; }
    public string[] Groups { get; set; } = Array.Empty<string>();
    public string? RuleFile { get; set; }
    /// <summary>True when the line produced an alert (a rule of level above 0 matched and nothing suppressed it).</summary>
    public bool Alert { get; set; }
    public string? AlertId { get; set; }
    public string[] PreviousEvents { get; set; } = Array.Empty<string>();

    public static RuleTestResult From(AnalysisResult r, string line)
    {
        var e = r.Event;
        return new RuleTestResult
        {
            LogLine = line, Location = e.Location,
            Timestamp = e.LogTimestamp, Hostname = e.Hostname, ProgramName = e.ProgramName, Log = e.Log,
            Decoder = e.DecoderName, DecoderParent = e.DecoderParent,
            SrcIp = e.SrcIp, DstIp = e.DstIp, SrcPort = e.SrcPort, DstPort = e.DstPort, Protocol = e.Protocol, Action = e.Action,
            SrcUser = r.SrcUser, DstUser = e.DstUser, User = e.User, EventId = e.Id, Url = e.Url, Data = e.Data, Status = e.Status,
            SystemName = e.SystemName,
            RuleId = r.Rule?.Id, Level = r.Rule?.Level, Description = r.Rule?.Description, Groups = r.Rule?.Groups ?? Array.Empty<string>(),
            RuleFile = r.Rule?.File,
            Alert = r.Alert != null, AlertId = r.Alert?.AlertId, PreviousEvents = r.Alert?.PreviousEvents ?? Array.Empty<string>(),
        };
    }
}

/// <summary>A rule as Get-HidsRule lists it.</summary>
public sealed class RuleInfo
{
    public int Id { get; set; }
    public int Level { get; set; }
    public string Description { get; set; } = "";
    public string[] Groups { get; set; } = Array.Empty<string>();
    public string File { get; set; } = "";
    public int Line { get; set; }
    public string Category { get; set; } = "";
    public string? IfSid { get; set; }
    public string? IfGroup { get; set; }
    public string? IfLevel { get; set; }
    public int? IfMatchedSid { get; set; }
    public string? IfMatchedGroup { get; set; }
    public int Frequency { get; set; }
    public int Timeframe { get; set; }
    public string? DecodedAs { get; set; }
    public int[] ParentIds { get; set; } = Array.Empty<int>();
    public string[] Conditions { get; set; } = Array.Empty<string>();
    public string[] Options { get; set; } = Array.Empty<string>();
    public bool Overwritten { get; set; }
    public string[] Info { get; set; } = Array.Empty<string>();

    public static RuleInfo From(RuleDefinition r)
    {
        var opts = new List<string>();
        if (r.NoAlert) opts.Add("noalert");
        if (r.NoEmail) opts.Add("no_email_alert");
        if (r.AlertByEmail) opts.Add("alert_by_email");
        if (r.NoLog) opts.Add("no_log");
        if (r.NoActiveResponse) opts.Add("no_ar");
        if (r.CheckDiff) opts.Add("check_diff");
        if (r.IfFts) opts.Add("if_fts");
        if (r.IgnoreSeconds > 0) opts.Add($"ignore={r.IgnoreSeconds}");
        if (r.MaxSize > 0) opts.Add($"maxsize={r.MaxSize}");
        var conds = r.Conditions.Select(c => $"{c.Field.ToString().ToLowerInvariant()}{(c.Pattern.Kind == PatternKind.Pcre2 ? " (pcre2)" : c.Pattern.Kind == PatternKind.OsRegex ? " (regex)" : "")}{(c.Negate ? " not" : "")}: {c.Pattern.Source}").ToList();
        if (r.SrcIp != null) conds.Add("srcip: " + string.Join(", ", r.SrcIp.Select(i => i.Source)));
        if (r.DstIp != null) conds.Add("dstip: " + string.Join(", ", r.DstIp.Select(i => i.Source)));
        if (r.ActionEquals != null) conds.Add("action: " + r.ActionEquals);
        if (r.CompiledRule != null) conds.Add("compiled_rule: " + r.CompiledRule);
        return new RuleInfo
        {
            Id = r.Id, Level = r.Level, Description = r.Description, Groups = r.Groups, File = r.File, Line = r.Line,
            Category = r.Category.ToString(), IfSid = r.IfSid, IfGroup = r.IfGroup, IfLevel = r.IfLevel,
            IfMatchedSid = r.IfMatchedSid == 0 ? null : r.IfMatchedSid, IfMatchedGroup = r.IfMatchedGroup,
            Frequency = r.Frequency, Timeframe = r.IsContext ? r.Timeframe : 0, DecodedAs = r.DecodedAs,
            ParentIds = r.ParentIds, Conditions = conds.ToArray(), Options = opts.ToArray(), Overwritten = r.Overwritten, Info = r.Info,
        };
    }
}
