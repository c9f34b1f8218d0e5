namespace Hids.Engine.Analysis;

/// <summary>
/// OSSEC's built-in plugin decoders (&lt;plugin_decoder&gt;), written from the formats they read:
/// OSSEC alerts forwarded as syslog, OpenBSD pf logs, SonicWall key=value logs and Symantec Web Security CSV.
/// </summary>
internal static class PluginDecoders
{
    public static void Run(string name, LogEvent ev, string log, object ctx)
    {
        switch (name)
        {
            case "OSSECAlert_Decoder": OssecAlert(ev, log, ctx); break;
            case "PF_Decoder": Pf(ev, log, ctx); break;
            case "SonicWall_Decoder": SonicWall(ev, log, ctx); break;
            case "SymantecWS_Decoder": SymantecWs(ev, log, ctx); break;
        }
    }

    // "ossec: Alert Level: 3; Rule: 5715 - SSHD authentication success.; Location: host->/var/log/secure; srcip: 1.2.3.4; user: root; <log>"
    private static void OssecAlert(LogEvent ev, string log, object ctx)
    {
        int i = log.IndexOf("Alert Level:", StringComparison.Ordinal);
        if (i < 0) return;
        foreach (var part in log[i..].Split("; "))
        {
            int c = part.IndexOf(": ", StringComparison.Ordinal);
            if (c <= 0) continue;
            var k = part[..c].Trim(); var v = part[(c + 2)..].Trim();
            switch (k)
            {
                case "Rule":
                    {
                        int d = v.IndexOf(" - ", StringComparison.Ordinal);
                        RuleEngine.SetField(ev, ctx, DecoderField.Id, d > 0 ? v[..d] : v);
                        break;
                    }
                case "srcip": RuleEngine.SetField(ev, ctx, DecoderField.SrcIp, v); break;
                case "dstip": RuleEngine.SetField(ev, ctx, DecoderField.DstIp, v); break;
                case "user": RuleEngine.SetField(ev, ctx, DecoderField.DstUser, v); break;
                case "Location": RuleEngine.SetField(ev, ctx, DecoderField.SystemName, v); break;
            }
        }
    }

    // "rule 1/0(match): block in on em0: 192.168.1.10.5353 > 224.0.0.251.5353: udp 45"
    private static void Pf(LogEvent ev, string log, object ctx)
    {
        int m = log.IndexOf("(match): ", StringComparison.Ordinal);
        if (m < 0) return;
        var rest = log[(m + 9)..];
        var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length > 0) RuleEngine.SetField(ev, ctx, DecoderField.Action, words[0]);
        int colon = rest.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0) return;
        var flow = rest[(colon + 2)..];
        var parts = flow.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 3 && parts[1] == ">")
        {
            SplitHostPort(parts[0], out var sip, out var sport);
            SplitHostPort(parts[2].TrimEnd(':'), out var dip, out var dport);
            RuleEngine.SetField(ev, ctx, DecoderField.SrcIp, sip);
            if (sport != null) RuleEngine.SetField(ev, ctx, DecoderField.SrcPort, sport);
            RuleEngine.SetField(ev, ctx, DecoderField.DstIp, dip);
            if (dport != null) RuleEngine.SetField(ev, ctx, DecoderField.DstPort, dport);
            if (parts.Length >= 4) RuleEngine.SetField(ev, ctx, DecoderField.Protocol, parts[3].TrimEnd(','));
        }
    }

    private static void SplitHostPort(string s, out string host, out string? port)
    {
        int dots = s.Count(ch => ch == '.');
        if (dots == 4)
        {
            int last = s.LastIndexOf('.');
            host = s[..last]; port = s[(last + 1)..];
        }
        else { host = s; port = null; }
    }

    // id=firewall sn=0006B1234567 time="2007-01-01 10:11:12" fw=1.2.3.4 pri=6 c=262144 m=98 msg="Connection Opened" n=0 src=10.1.1.1:1028:X0 dst=1.2.3.4:53:X1 proto=udp/dns
    private static void SonicWall(LogEvent ev, string log, object ctx)
    {
        foreach (var (k, v) in KeyValues(log))
        {
            switch (k)
            {
                case "m": RuleEngine.SetField(ev, ctx, DecoderField.Id, v); break;
                case "pri": RuleEngine.SetField(ev, ctx, DecoderField.Status, v); break;
                case "src":
                    {
                        var p = v.Split(':');
                        RuleEngine.SetField(ev, ctx, DecoderField.SrcIp, p[0]);
                        if (p.Length > 1) RuleEngine.SetField(ev, ctx, DecoderField.SrcPort, p[1]);
                        break;
                    }
                case "dst":
                    {
                        var p = v.Split(':');
                        RuleEngine.SetField(ev, ctx, DecoderField.DstIp, p[0]);
                        if (p.Length > 1) RuleEngine.SetField(ev, ctx, DecoderField.DstPort, p[1]);
                        break;
                    }
                case "proto": RuleEngine.SetField(ev, ctx, DecoderField.Protocol, v.Split('/')[0]); break;
                case "msg": RuleEngine.SetField(ev, ctx, DecoderField.Data, v); break;
            }
        }
    }

    private static IEnumerable<(string, string)> KeyValues(string s)
    {
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && s[i] == ' ') i++;
            int eq = s.IndexOf('=', i);
            if (eq < 0) yield break;
            var key = s[i..eq];
            int j = eq + 1;
            string val;
            if (j < s.Length && s[j] == '"')
            {
                int end = s.IndexOf('"', j + 1);
                if (end < 0) end = s.Length;
                val = s[(j + 1)..end];
                i = Math.Min(s.Length, end + 1);
            }
            else
            {
                int end = s.IndexOf(' ', j);
                if (end < 0) end = s.Length;
                val = s[j..end];
                i = end;
            }
            if (!key.Contains(' ')) yield return (key, val);
        }
    }

    // 20070224,125236,1,...,10.0.0.1,user,...,http://url,...
    private static void SymantecWs(LogEvent ev, string log, object ctx)
    {
        var f = log.Split(',');
        if (f.Length > 2) RuleEngine.SetField(ev, ctx, DecoderField.Id, f[2]);
        foreach (var x in f)
        {
            if (ev.SrcIp == null && System.Net.IPAddress.TryParse(x, out _) && x.Count(ch => ch == '.') == 3) RuleEngine.SetField(ev, ctx, DecoderField.SrcIp, x);
            else if (ev.Url == null && (x.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || x.StartsWith("https://", StringComparison.OrdinalIgnoreCase))) RuleEngine.SetField(ev, ctx, DecoderField.Url, x);
        }
    }
}
