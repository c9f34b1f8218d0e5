using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Xml;

namespace Hids.Engine.ActiveResponse;

/// <summary>
/// Reads the parts of an instance's ossec.conf active response needs (&lt;global&gt;&lt;white_list&gt;,
/// &lt;command&gt;, &lt;active-response&gt;, &lt;hids&gt; hosts_deny_path/nft_table/firewall_backend/offence_window)
/// into the typed model. Used by the cmdlets until the full configuration loader is available; the monitor
/// passes the complete <see cref="HidsConfiguration"/> instead.
/// </summary>
public static class ActiveResponseConfigReader
{
    public static HidsConfiguration Read(InstancePaths paths)
    {
        var cfg = new HidsConfiguration { SourceFile = paths.OssecConf };
        if (!File.Exists(paths.OssecConf)) return cfg;
        IReadOnlyList<XNode2> roots = OssecXmlReader.ReadFile(paths.OssecConf);
        var configs = roots.Where(r => r.Name == "ossec_config").ToList();
        foreach (var root in configs)
        {
            foreach (var g in root.Elements("global"))
                foreach (var w in g.Elements("white_list")) if (!string.IsNullOrWhiteSpace(w.Text)) cfg.Global.WhiteList.Add(w.Text.Trim());
            foreach (var c in root.Elements("command"))
            {
                var co = new CommandOptions
                {
                    Name = Text(c, "name") ?? "",
                    Executable = Text(c, "executable") ?? "",
                    Expect = Text(c, "expect"),
                    TimeoutAllowed = Yes(Text(c, "timeout_allowed")),
                    Source = SourcePositionInfo.From(c.Position),
                };
                var extra = Text(c, "extra_args");
                if (!string.IsNullOrWhiteSpace(extra)) co.ExtraArgs.AddRange(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                cfg.Commands.Add(co);
            }
            foreach (var a in root.Elements("active-response"))
            {
                var ar = new ActiveResponseOptions
                {
                    Disabled = Yes(Text(a, "disabled")),
                    Command = Text(a, "command") ?? "",
                    Location = Text(a, "location") ?? "local",
                    AgentId = Text(a, "agent_id"),
                    Level = int.TryParse(Text(a, "level"), out var l) ? l : null,
                    Timeout = int.TryParse(Text(a, "timeout"), out var t) ? t : null,
                    Source = SourcePositionInfo.From(a.Position),
                };
                foreach (var id in (Text(a, "rules_id") ?? "").Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(id, out var n)) ar.RulesId.Add(n);
                var groups = Text(a, "rules_group");
                if (!string.IsNullOrWhiteSpace(groups)) ar.RulesGroup.Add(groups);
                foreach (var m in (Text(a, "repeated_offenders") ?? "").Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(m, out var n)) ar.RepeatedOffenders.Add(n);
                // A bare <active-response><disabled>yes</disabled></active-response> switches active response off.
                cfg.ActiveResponses.Add(ar);
            }
            foreach (var h in root.Elements("hids"))
            {
                if (Text(h, "hosts_deny_path") is { } hd) cfg.Hids.HostsDenyPath = hd;
                if (Text(h, "nft_table") is { } nt) cfg.Hids.NftTable = nt;
                if (Text(h, "firewall_backend") is { } fb) cfg.Hids.FirewallBackend = fb;
                if (int.TryParse(Text(h, "offence_window"), out var ow)) cfg.Hids.OffenceWindowMinutes = ow;
            }
        }
        return cfg;
    }

    private static string? Text(XNode2 n, string name)
    {
        var e = n.Element(name);
        return e is null ? null : e.Text.Trim();
    }

    private static bool Yes(string? v) => v is not null && (v.Equals("yes", StringComparison.OrdinalIgnoreCase) || v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));
}
