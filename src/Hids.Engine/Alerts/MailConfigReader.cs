using System.Globalization;
using Hids.Engine.Configuration;
using Hids.Engine.Xml;

namespace Hids.Engine.Alerts;

/// <summary>
/// Reads just the e-mail settings (&lt;global&gt; email_*, smtp_*, &lt;alerts&gt; email_alert_level, &lt;email_alerts&gt;)
/// from an ossec.conf, tolerantly. Send-HidsTestEmail uses it so that a test mail works even when another part of the
/// configuration has errors (the full model comes from the configuration loader).
/// </summary>
public static class MailConfigReader
{
    public static HidsConfiguration Read(string ossecConf)
    {
        var c = new HidsConfiguration { SourceFile = ossecConf };
        var roots = OssecXmlReader.ReadFile(ossecConf);
        foreach (var node in Descendants(roots))
        {
            switch (node.Name)
            {
                case "global":
                    foreach (var e in node.Children)
                    {
                        var v = e.Text.Trim();
                        switch (e.Name)
                        {
                            case "email_notification": c.Global.EmailNotification = v.Equals("yes", StringComparison.OrdinalIgnoreCase); break;
                            case "email_to": c.Global.EmailTo.Add(v); break;
                            case "email_from": c.Global.EmailFrom = v; break;
                            case "smtp_server": c.Global.SmtpServer = v; break;
                            case "smtp_port": if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)) c.Global.SmtpPort = p; break;
                            case "smtp_security": c.Global.SmtpSecurity = v; break;
                            case "smtp_user": c.Global.SmtpUser = v; break;
                            case "smtp_password_file": c.Global.SmtpPasswordFile = v; break;
                            case "smtp_ca_file": c.Global.SmtpCaFile = v; break;
                            case "smtp_cert_fingerprint": c.Global.SmtpCertFingerprint = v; break;
                            case "email_maxperhour": if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var m)) c.Global.EmailMaxPerHour = m; break;
                            case "email_idsname": c.Global.EmailIdsName = v; break;
                        }
                    }
                    break;
                case "hids":
                    // Hids extensions (the configuration loader reads them from <hids> and from <global>)
                    foreach (var e in node.Children)
                    {
                        var v = e.Text.Trim();
                        switch (e.Name)
                        {
                            case "smtp_port": if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var hp)) c.Global.SmtpPort = hp; break;
                            case "smtp_security": c.Global.SmtpSecurity = v; break;
                            case "smtp_user": c.Global.SmtpUser = v; break;
                            case "smtp_password_file": c.Global.SmtpPasswordFile = v; break;
                            case "smtp_ca_file": c.Global.SmtpCaFile = v; break;
                            case "smtp_cert_fingerprint": c.Global.SmtpCertFingerprint = v; break;
                        }
                    }
                    break;
                case "alerts":
                    foreach (var e in node.Children)
                        if (e.Name == "email_alert_level" && int.TryParse(e.Text.Trim(), out var l)) c.Alerts.EmailAlertLevel = l;
                        else if (e.Name == "log_alert_level" && int.TryParse(e.Text.Trim(), out var ll)) c.Alerts.LogAlertLevel = ll;
                    break;
                case "email_alerts":
                    var g = new EmailAlertOptions();
                    foreach (var e in node.Children)
                    {
                        var v = e.Text.Trim();
                        switch (e.Name)
                        {
                            case "email_to": g.EmailTo.Add(v); break;
                            case "level": if (int.TryParse(v, out var gl)) g.Level = gl; break;
                            case "group": g.Group.AddRange(v.Split(new[] { ',', '|' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                            case "rule_id": foreach (var r in v.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries)) if (int.TryParse(r, out var id)) g.RuleIds.Add(id); break;
                            case "event_location": g.EventLocation.Add(v); break;
                            case "do_not_delay": g.DoNotDelay = true; break;
                            case "do_not_group": g.DoNotGroup = true; break;
                            case "format": g.Format = v; if (v.Contains("do_not_delay")) g.DoNotDelay = true; if (v.Contains("do_not_group")) g.DoNotGroup = true; break;
                        }
                    }
                    c.EmailAlerts.Add(g);
                    break;
            }
        }
        return c;
    }

    private static IEnumerable<XNode2> Descendants(IEnumerable<XNode2> roots)
    {
        foreach (var r in roots)
        {
            if (r.Name is "global" or "alerts" or "email_alerts" or "hids") { yield return r; continue; }
            foreach (var d in Descendants(r.Children)) yield return d;
        }
    }
}
