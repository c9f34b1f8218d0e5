using System.Globalization;
using System.Text;

namespace Hids.Engine.Alerts;

/// <summary>
/// Text renderings of an alert: the OSSEC alerts.log entry and the notification block of an e-mail.
/// </summary>
public static class AlertText
{
    /// <summary>The product name in notifications ("Hids Notification.").</summary>
    public const string ProductName = "Hids";

    /// <summary>"2015 Jan 30 09:19:46" in the alert's own offset.</summary>
    public static string OssecDate(DateTimeOffset t) => t.ToString("yyyy MMM dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>"deft->syscheck" (or just the location when the host is unknown).</summary>
    public static string ReceivedFrom(Alert a) => string.IsNullOrEmpty(a.Host) ? a.Location : $"{a.Host}->{a.Location}";

    /// <summary>OSSEC's group field: "syslog,sshd,authentication_failed,".</summary>
    public static string GroupField(Alert a) => a.Groups.Length == 0 ? "" : string.Join(",", a.Groups) + ",";

    /// <summary>The decoded-field lines OSSEC prints between the rule line and the log.</summary>
    public static IEnumerable<string> FieldLines(Alert a)
    {
        if (!string.IsNullOrEmpty(a.SrcIp)) yield return "Src IP: " + a.SrcIp;
        if (!string.IsNullOrEmpty(a.SrcPort)) yield return "Src Port: " + a.SrcPort;
        if (!string.IsNullOrEmpty(a.DstIp)) yield return "Dst IP: " + a.DstIp;
        if (!string.IsNullOrEmpty(a.DstPort)) yield return "Dst Port: " + a.DstPort;
        var user = !string.IsNullOrEmpty(a.User) ? a.User : a.DstUser;
        if (!string.IsNullOrEmpty(user)) yield return "User: " + user;
    }

    /// <summary>The log part: full log, the previous command output (check_diff) and a frequency rule's earlier events.</summary>
    public static string LogPortion(Alert a)
    {
        var sb = new StringBuilder(a.FullLog.Length + 64);
        sb.Append(a.FullLog.TrimEnd('\r', '\n'));
        if (!string.IsNullOrEmpty(a.PreviousOutput))
        {
            sb.Append('\n').Append("Previous output:").Append('\n').Append(a.PreviousOutput.TrimEnd('\r', '\n'));
        }
        foreach (var e in a.PreviousEvents) sb.Append('\n').Append(e.TrimEnd('\r', '\n'));
        return sb.ToString();
    }

    /// <summary>
    /// One alerts.log entry, OSSEC layout:
    /// <code>
    /// ** Alert 1422609586.1234: mail  - syscheck,
    /// 2015 Jan 30 09:19:46 deft->syscheck
    /// Rule: 550 (level 7) -> 'Integrity checksum changed.'
    /// Src IP: ... / User: ...
    /// (full log)
    /// (blank line)
    /// </code>
    /// </summary>
    public static string AlertsLogEntry(Alert a, bool mailed)
    {
        var sb = new StringBuilder(256 + a.FullLog.Length);
        sb.Append("** Alert ").Append(a.AlertId).Append(':').Append(mailed ? " mail " : "").Append(" - ").Append(GroupField(a)).Append('\n');
        sb.Append(OssecDate(a.Time)).Append(' ').Append(ReceivedFrom(a)).Append('\n');
        sb.Append("Rule: ").Append(a.RuleId.ToString(CultureInfo.InvariantCulture)).Append(" (level ")
          .Append(a.Level.ToString(CultureInfo.InvariantCulture)).Append(") -> '").Append(a.Description).Append("'\n");
        foreach (var f in FieldLines(a)) sb.Append(f).Append('\n');
        sb.Append(LogPortion(a)).Append("\n\n");
        return sb.ToString();
    }

    /// <summary>
    /// The notification block of a mail (the guide's shape, with Hids' name):
    /// <code>
    /// Hids Notification.
    /// 2015 Jan 30 08:22:52
    ///
    /// Received From: deft->ossec-monitord
    /// Rule: 502 fired (level 3) -> "Ossec server started."
    /// Portion of the log(s):
    ///
    /// ossec: Ossec started.
    ///
    ///  --END OF NOTIFICATION
    /// </code>
    /// </summary>
    public static string Notification(Alert a)
    {
        var sb = new StringBuilder(512 + a.FullLog.Length);
        sb.Append(ProductName).Append(" Notification.\n");
        sb.Append(OssecDate(a.Time)).Append("\n\n");
        sb.Append("Received From: ").Append(ReceivedFrom(a)).Append('\n');
        sb.Append("Rule: ").Append(a.RuleId.ToString(CultureInfo.InvariantCulture)).Append(" fired (level ")
          .Append(a.Level.ToString(CultureInfo.InvariantCulture)).Append(") -> \"").Append(a.Description).Append("\"\n");
        foreach (var f in FieldLines(a)) sb.Append(f).Append('\n');
        sb.Append("Portion of the log(s):\n\n");
        sb.Append(LogPortion(a)).Append("\n\n");
        sb.Append("\n --END OF NOTIFICATION\n");
        return sb.ToString();
    }

    /// <summary>Most SMS gateways turn the first 160 characters of a mail into one text message.</summary>
    public const int SmsMaxLength = 160;

    /// <summary>The subject of an sms-format mail: "Hids deft: level 7 rule 550".</summary>
    public static string SmsSubject(Alert a, string host)
        => $"{ProductName} {Truncate(host, 40)}: level {a.Level.ToString(CultureInfo.InvariantCulture)} rule {a.RuleId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The body of an sms-format mail, at most <paramref name="max"/> characters:
    /// <code>
    /// Rule 550 level 7: Integrity checksum changed.
    /// deft->syscheck 2015 Jan 30 09:57:06
    /// Integrity checksum changed for: '/home/finid/sidebar.php' Size changed from '0' to '19' Wh...
    /// </code>
    /// The log is put on one line (whitespace runs collapsed) and cut to what is left.
    /// </summary>
    public static string SmsBody(Alert a, int max = SmsMaxLength)
    {
        max = Math.Max(60, max);
        var head = $"Rule {a.RuleId.ToString(CultureInfo.InvariantCulture)} level {a.Level.ToString(CultureInfo.InvariantCulture)}: ";
        var line1 = head + Truncate(OneLine(a.Description), Math.Max(10, max * 2 / 5 - head.Length));
        var line2 = Truncate(OneLine(ReceivedFrom(a)), 32) + " " + OssecDate(a.Time);
        var text = line1 + "\n" + line2;
        int room = max - text.Length - 1;
        var log = OneLine(a.FullLog);
        if (room >= 8 && log.Length > 0) text += "\n" + Truncate(log, room);
        return text.Length <= max ? text : text[..max];
    }

    /// <summary>The body of an sms-format digest: how many alerts were held, the highest level, the first rules.</summary>
    public static string SmsDigestBody(IReadOnlyList<Alert> alerts, int max = SmsMaxLength)
    {
        var top = alerts.OrderByDescending(a => a.Level).First();
        var text = $"{alerts.Count} alerts held (email_maxperhour), highest level {top.Level}: rule {top.RuleId} {OneLine(top.Description)}. Rules: " +
                   string.Join(",", alerts.Select(a => a.RuleId).Distinct().Select(r => r.ToString(CultureInfo.InvariantCulture)));
        return Truncate(text, Math.Max(60, max));
    }

    /// <summary>Control characters and whitespace runs become one space.</summary>
    public static string OneLine(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool space = false;
        foreach (var ch in s)
        {
            if (char.IsWhiteSpace(ch) || char.IsControl(ch)) { space = sb.Length > 0; continue; }
            if (space) { sb.Append(' '); space = false; }
            sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>Cuts to at most <paramref name="max"/> characters, ending in "..." when cut.</summary>
    public static string Truncate(string s, int max)
    {
        if (s.Length <= max) return s;
        if (max <= 3) return s[..max];
        return s[..(max - 3)].TrimEnd() + "...";
    }

    /// <summary>One summary line for digests: time, rule, level, where, description.</summary>
    public static string SummaryLine(Alert a)
        => $"{OssecDate(a.Time)}  Rule {a.RuleId} (level {a.Level})  {ReceivedFrom(a)}  {a.Description}";

    /// <summary>Removes CR, LF and other control characters (header values: subject, names).</summary>
    public static string SanitizeHeader(string value, int maxLength = 200)
    {
        var sb = new StringBuilder(Math.Min(value.Length, maxLength));
        foreach (var ch in value)
        {
            if (sb.Length >= maxLength) break;
            sb.Append(char.IsControl(ch) ? ' ' : ch);
        }
        return sb.ToString().Trim();
    }
}
